package dev.tern.connectors.internal;

import com.hazelcast.jet.JetException;
import com.hazelcast.jet.config.ProcessingGuarantee;
import com.hazelcast.jet.core.AbstractProcessor;
import com.hazelcast.jet.core.metrics.Metric;
import com.hazelcast.jet.core.metrics.Metrics;
import dev.tern.connectors.Subscription;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The MQTT source processor: one MQTT client per processor, a bounded {@link Inbound} buffer, and
 * manual acknowledgement.
 *
 * <p>When the message is acknowledged to the broker decides the guarantee:
 * <ul>
 *   <li><b>fault tolerant</b> (job guarantee AT_LEAST_ONCE or EXACTLY_ONCE, and keepSession): a
 *       QoS 1/2 message is acknowledged only when the snapshot whose barrier follows the message
 *       has completed ({@link #snapshotCommitFinish}). If the job fails before that, the message
 *       is still unacknowledged in the kept session and the broker sends it again to the restarted
 *       job's client (same client id) [MQTT-4.4.0-1]. Snapshot state itself is empty: the broker
 *       session is the replay log.</li>
 *   <li><b>otherwise</b>: a message is acknowledged as soon as it is handed to Jet's outbox, so a
 *       message is never acknowledged before Jet has taken it, and the buffer never holds more
 *       than the client asked for.</li>
 * </ul>
 * Messages acknowledged in the wrong order are sent in arrival order by the client.
 *
 * <p>Threading: Jet calls every method on the processor's tasklet thread; the client's event loop
 * touches only {@link Inbound} and {@link #failure}.
 */
public final class StreamMqttSourceP<T> extends AbstractProcessor {
    private static final int MAX_BATCH = 1024;

    private final SourceParams<T> params;
    private final ArrayDeque<Received> emittedSinceSnapshot = new ArrayDeque<>();
    private final ArrayDeque<Received> awaitingSnapshotCommit = new ArrayDeque<>();

    private ClientConnection connection;
    private Inbound inbound;
    private boolean faultTolerant;
    private volatile Throwable failure;
    private Received pending;
    private T pendingItem;
    private Metric receivedMetric;
    private Metric acknowledgedMetric;
    private Metric awaitingMetric;

    public StreamMqttSourceP(SourceParams<T> params) {
        this.params = params;
    }

    @Override
    protected void init(Context context) {
        faultTolerant = context.processingGuarantee() != ProcessingGuarantee.NONE && params.options().isKeepSession();
        String clientId = params.sharedGroup() == null
            ? params.clientId()
            : params.clientId() + "-" + context.globalProcessorIndex();
        // The buffer may take as many messages as the broker may send unacknowledged: then the client
        // never has to hold QoS 1/2 messages back itself (its own back-log check counts each held
        // message twice against Receive Maximum and disconnects with 0x93 at half of it).
        inbound = new Inbound(params.options().getReceiveMaximum());
        connection = ClientConnection.create(params.broker(), clientId, params.options(), new ClientConnection.Events() {
            @Override
            public void failed(Throwable cause) {
                fail(cause);
            }
        });
        connection.receive(inbound);
        connection.subscribe(subscriptions()).whenComplete((ok, error) -> {
            if (error != null) {
                fail(ClientConnection.unwrap(error));
            }
        });
        connection.connect();
        getLogger().info("MQTT source " + clientId + " connecting to " + params.broker() + ", subscriptions "
            + subscriptions() + (faultTolerant
                ? ", fault tolerant: acknowledges after each snapshot"
                : ", acknowledges on receipt by Jet (guarantee " + context.processingGuarantee()
                    + (params.options().isKeepSession() ? "" : ", clean session") + ")"));
    }

    private List<Subscription> subscriptions() {
        if (params.sharedGroup() == null) {
            return params.subscriptions();
        }
        List<Subscription> shared = new ArrayList<>();
        for (Subscription s : params.subscriptions()) {
            shared.add(Subscription.of("$share/" + params.sharedGroup() + "/" + s.getTopic(), s.getQualityOfService()));
        }
        return shared;
    }

    private void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
    }

    @Override
    public boolean complete() {
        if (receivedMetric == null) {
            // user metrics exist only on the processor's own thread, not in init()
            receivedMetric = Metrics.metric("mqttReceived");
            acknowledgedMetric = Metrics.metric("mqttAcknowledged");
            awaitingMetric = Metrics.metric("mqttAwaitingSnapshot");
        }
        Throwable f = failure != null ? failure : inbound.error();
        if (f != null) {
            throw new JetException("MQTT source " + connection.clientId() + " failed: " + f.getMessage(), f);
        }
        if (pending != null) {
            if (!tryEmit(pendingItem)) {
                return false;
            }
            emitted(pending);
            pending = null;
            pendingItem = null;
        }
        for (int i = 0; i < MAX_BATCH; i++) {
            Received r = inbound.poll();
            if (r == null) {
                break;
            }
            receivedMetric.increment();
            T item = params.mapToItemFn().apply(r.topic(), r.message());
            if (item == null) {
                // filtered out by mapToItemFn: nothing enters the pipeline, so nothing to wait for
                acknowledge(r);
                continue;
            }
            if (!tryEmit(item)) {
                pending = r;
                pendingItem = item;
                break;
            }
            emitted(r);
        }
        inbound.replenish();
        return false;
    }

    private void emitted(Received r) {
        if (faultTolerant && r.needsAcknowledgement()) {
            emittedSinceSnapshot.add(r);
            awaitingMetric.increment();
        } else {
            acknowledge(r);
        }
    }

    private void acknowledge(Received r) {
        r.acknowledge();
        if (r.needsAcknowledgement()) {
            acknowledgedMetric.increment();
        }
    }

    /** Phase 1, after this processor's state was saved and before its barrier goes downstream. */
    @Override
    public boolean snapshotCommitPrepare() {
        awaitingSnapshotCommit.addAll(emittedSinceSnapshot);
        emittedSinceSnapshot.clear();
        return true;
    }

    /**
     * Phase 2. On success every message emitted before the barrier is in the snapshot's effect:
     * acknowledge them. On failure keep them; the next successful snapshot covers them too.
     */
    @Override
    public boolean snapshotCommitFinish(boolean success) {
        if (success) {
            int n = awaitingSnapshotCommit.size();
            for (Received r; (r = awaitingSnapshotCommit.poll()) != null; ) {
                acknowledge(r);
            }
            if (awaitingMetric != null) {
                // null when a snapshot completes before the first complete() created the metrics
                awaitingMetric.decrement(n);
            }
        }
        return true;
    }

    /**
     * Disconnects without cancelling the client's publish flow first. Once the flow is cancelled,
     * the HiveMQ client acknowledges every QoS 1/2 message that arrives for it by itself (a message
     * that matches no flow is acknowledged and dropped), so a message arriving between the cancel
     * and the DISCONNECT would be acknowledged without any snapshot covering it, and lost to the
     * restarted job. Left subscribed, such a message waits unacknowledged in {@link Inbound}, which
     * is never acknowledged after this point: the broker redelivers it to the next client with this
     * client id [MQTT-4.4.0-1]. After the DISCONNECT the client cannot acknowledge anything (its
     * output is shut), and the flow completes with the client.
     */
    @Override
    public void close() {
        if (connection != null) {
            connection.close();
        }
    }
}
