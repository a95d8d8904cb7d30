package dev.tern.connectors.internal;

import com.hazelcast.jet.JetException;
import com.hazelcast.jet.core.AbstractProcessor;
import com.hazelcast.jet.core.Inbox;
import com.hazelcast.jet.core.metrics.Metric;
import com.hazelcast.jet.core.metrics.Metrics;
import com.hazelcast.jet.retry.RetryStrategy;
import dev.tern.connectors.MqttMessage;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MQTT sink processor: one client per processor (client id {@code <clientId>-<global processor
 * index>}), publishing asynchronously with up to {@code maxInflight} publishes unacknowledged at
 * once instead of waiting for each (fewer when the broker's Receive Maximum is lower).
 *
 * <p>At-least-once: an item leaves the inbox only when its publish has been started, and the
 * processor reports itself done with a snapshot ({@link #saveToSnapshot}) or with the job
 * ({@link #complete}) only when every publish started before has been acknowledged by the broker.
 * A restarted job therefore re-sends at most what was not confirmed.
 *
 * <p>Failures: a publish that fails for a reason a retry may fix (connection lost, session gone) is
 * retried per the {@link RetryStrategy}; when its attempts are used up the job fails with the last
 * error. A PUBACK/PUBREC with an error reason (MQTT 5, e.g. 0x87 not authorized) fails the job at
 * once: the broker would refuse the same message again. Retried messages may overtake others;
 * with {@code maxInflight} 1 the order is strict.
 *
 * <p>Threading: Jet calls the processor methods on its tasklet thread; publish completions run on
 * the client's event loop and only touch {@link #inFlight}, {@link #failed} and {@link #failure}.
 */
public final class WriteMqttP<T> extends AbstractProcessor {
    private static final long WARNING_INTERVAL_NANOS = 10_000_000_000L;
    private final SinkParams<T> params;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<Attempt> failed = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Attempt> retries = new PriorityQueue<>(Comparator.comparingLong(Attempt::dueNanos));

    private ClientConnection connection;
    private volatile Throwable failure;
    private volatile boolean lost;
    private CompletableFuture<Void> reconnecting;
    private int reconnectAttempts;
    private long reconnectDueNanos;
    private int window;
    private long lastWarningNanos = System.nanoTime() - WARNING_INTERVAL_NANOS;
    private int suppressedWarnings;
    private Metric publishedMetric;
    private Metric retriedMetric;

    /** One try at publishing one message; {@code attempt} counts from 1. */
    private record Attempt(MqttMessage message, int attempt, long dueNanos, Throwable error) {
    }

    public WriteMqttP(SinkParams<T> params) {
        this.params = params;
    }

    @Override
    protected void init(Context context) {
        window = params.options().getMaxInflight();
        String clientId = params.clientId() + "-" + context.globalProcessorIndex();
        connection = ClientConnection.create(params.broker(), clientId, params.options(), new ClientConnection.Events() {
            @Override
            public void failed(Throwable cause) {
                if (failure == null) {
                    failure = cause;
                }
            }

            @Override
            public void lost(Throwable cause) {
                if (params.retryStrategy().getMaxAttempts() == 0) {
                    failed(cause);
                } else {
                    lost = true;
                }
            }
        });
        reconnecting = connection.connect();
        getLogger().info("MQTT sink " + clientId + " connecting to " + params.broker() + ", topic " + params.topic()
            + ", maxInflight " + window);
    }

    @Override
    public void process(int ordinal, Inbox inbox) {
        housekeeping();
        if (!connection.isConnected()) {
            return;
        }
        // never more outstanding than the broker lets the client send: beyond that the client would
        // queue them and, past 64, block this (cooperative) thread in publish()
        int limit = Math.min(window, connection.sendMaximum());
        for (Object item; inFlight.get() + retries.size() < limit && (item = inbox.peek()) != null; ) {
            @SuppressWarnings("unchecked")
            MqttMessage message = params.messageFn().apply((T) item);
            if (message == null) {
                throw new JetException("MQTT sink: messageFn returned null for " + item);
            }
            inbox.remove();
            send(new Attempt(message, 1, 0, null));
        }
    }

    @Override
    public boolean tryProcess() {
        housekeeping();
        return true;
    }

    @Override
    public boolean complete() {
        return drained();
    }

    /** No barrier passes this sink while a publish from before it is unconfirmed. */
    @Override
    public boolean saveToSnapshot() {
        return drained();
    }

    private boolean drained() {
        housekeeping();
        return inFlight.get() == 0 && retries.isEmpty() && failed.isEmpty();
    }

    private void send(Attempt a) {
        inFlight.incrementAndGet();
        connection.publish(params.topic(), a.message()).whenComplete((ok, error) -> {
            if (error == null) {
                publishedMetric.increment();
            } else {
                // queue the failure before the in-flight count drops, so drained() never sees a gap
                failed.add(new Attempt(a.message(), a.attempt(), 0, ClientConnection.unwrap(error)));
            }
            inFlight.decrementAndGet();
        });
    }

    private void housekeeping() {
        if (retriedMetric == null) {
            // user metrics exist only on the processor's own thread, not in init()
            retriedMetric = Metrics.metric("mqttRetried");
            publishedMetric = Metrics.threadSafeMetric("mqttPublished");
        }
        Throwable f = failure;
        if (f != null) {
            throw new JetException("MQTT sink " + connection.clientId() + " failed: " + f.getMessage(), f);
        }
        long now = System.nanoTime();
        for (Attempt a; (a = failed.poll()) != null; ) {
            scheduleRetry(a, now);
        }
        reconnectIfLost(now);
        while (!retries.isEmpty() && retries.peek().dueNanos() <= now && connection.isConnected()) {
            Attempt a = retries.poll();
            retriedMetric.increment();
            send(a);
        }
    }

    private void scheduleRetry(Attempt a, long now) {
        if (Mqtt5Connection.refusedByBroker(a.error())) {
            throw new JetException("MQTT sink " + connection.clientId() + ": the broker refused a publish to "
                + params.topic() + ": " + a.error().getMessage(), a.error());
        }
        RetryStrategy strategy = params.retryStrategy();
        if (strategy.getMaxAttempts() >= 0 && a.attempt() > strategy.getMaxAttempts()) {
            throw new JetException("MQTT sink " + connection.clientId() + ": publish to " + params.topic()
                + " failed after " + a.attempt() + " attempt(s): " + a.error(), a.error());
        }
        long waitMillis = strategy.getIntervalFunction().waitAfterAttempt(a.attempt());
        suppressedWarnings++;
        if (now - lastWarningNanos > WARNING_INTERVAL_NANOS) {
            // a lost connection fails the whole window at once: one line per 10 s, not one per message
            getLogger().warning("MQTT sink " + connection.clientId() + ": " + suppressedWarnings
                + " publish(es) failed, retrying (this one: attempt " + a.attempt() + ", next in " + waitMillis
                + " ms): " + a.error());
            lastWarningNanos = now;
            suppressedWarnings = 0;
        }
        retries.add(new Attempt(a.message(), a.attempt() + 1, now + waitMillis * 1_000_000L, a.error()));
    }

    /** Without autoReconnect the sink reconnects by itself, paced and bounded by the retry strategy. */
    private void reconnectIfLost(long now) {
        if (!lost || (reconnecting != null && !reconnecting.isDone()) || now < reconnectDueNanos) {
            return;
        }
        if (connection.isConnected()) {
            lost = false;
            reconnectAttempts = 0;
            return;
        }
        RetryStrategy strategy = params.retryStrategy();
        reconnectAttempts++;
        if (strategy.getMaxAttempts() >= 0 && reconnectAttempts > strategy.getMaxAttempts()) {
            failure = new IllegalStateException("MQTT sink " + connection.clientId() + " could not reconnect to "
                + params.broker() + " after " + (reconnectAttempts - 1) + " attempt(s)");
            return;
        }
        reconnectDueNanos = now + strategy.getIntervalFunction().waitAfterAttempt(reconnectAttempts) * 1_000_000L;
        reconnecting = connection.connect();
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
        }
    }
}
