package dev.tern.broker.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The broker's counters and gauges. Hot-path counters are {@link LongAdder}s (no contention
 * between event loops) exposed to Micrometer as function counters, so counting costs one add.
 */
public final class BrokerMetrics {
    public final LongAdder connectionsAccepted = new LongAdder();
    public final LongAdder connectionsRefused = new LongAdder();
    public final AtomicLong connectionsOpen = new AtomicLong();
    public final LongAdder messagesReceived = new LongAdder();
    public final LongAdder messagesSent = new LongAdder();
    public final LongAdder bytesReceived = new LongAdder();
    public final LongAdder droppedQueueFull = new LongAdder();
    public final LongAdder droppedExpired = new LongAdder();
    public final LongAdder droppedTooLarge = new LongAdder();
    public final LongAdder droppedQos0Offline = new LongAdder();
    public final LongAdder droppedNoSubscribers = new LongAdder();
    public final LongAdder protocolErrors = new LongAdder();
    public final LongAdder willsPublished = new LongAdder();
    public final LongAdder sessionsExpired = new LongAdder();

    private final MeterRegistry registry;
    private final AtomicLong lastDropLogNanos = new AtomicLong(System.nanoTime() - DROP_LOG_INTERVAL_NANOS);
    private final LongAdder dropsSinceLog = new LongAdder();
    private static final long DROP_LOG_INTERVAL_NANOS = 10_000_000_000L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BrokerMetrics.class);

    /** Why a message was dropped instead of delivered. */
    public enum DropReason { QUEUE_FULL, EXPIRED, PACKET_TOO_LARGE, QOS0_OFFLINE }

    public BrokerMetrics(MeterRegistry registry) {
        this.registry = registry;
        counter("tern.connections.accepted", "connections that completed CONNECT", connectionsAccepted);
        counter("tern.connections.refused", "CONNECTs answered with an error", connectionsRefused);
        Gauge.builder("tern.connections.open", connectionsOpen, AtomicLong::get)
            .description("network connections open now").register(registry);
        counter("tern.messages.received", "PUBLISH packets received from clients", messagesReceived);
        counter("tern.messages.sent", "PUBLISH packets sent to clients (first attempts)", messagesSent);
        counter("tern.bytes.received", "bytes of MQTT packets received", bytesReceived);
        dropped("queue-full", droppedQueueFull);
        dropped("expired", droppedExpired);
        dropped("packet-too-large", droppedTooLarge);
        dropped("qos0-offline", droppedQos0Offline);
        counter("tern.messages.unrouted", "PUBLISHes that matched no subscription", droppedNoSubscribers);
        counter("tern.protocol.errors", "connections closed for a protocol violation", protocolErrors);
        counter("tern.wills.published", "will messages published", willsPublished);
        counter("tern.sessions.expired", "sessions removed by expiry", sessionsExpired);
    }

    private void counter(String name, String description, LongAdder adder) {
        FunctionCounter.builder(name, adder, LongAdder::sum).description(description).register(registry);
    }

    private void dropped(String reason, LongAdder adder) {
        FunctionCounter.builder("tern.messages.dropped", adder, LongAdder::sum)
            .description("messages the broker dropped instead of delivering, by reason")
            .tag("reason", reason).register(registry);
    }

    /**
     * Counts a dropped message and logs it, at most once every 10 seconds with the count since the
     * last line, so a drop is never silent and a flood of drops never floods the log.
     */
    public void dropped(DropReason reason, String clientId, String topic) {
        switch (reason) {
            case QUEUE_FULL -> droppedQueueFull.increment();
            case EXPIRED -> droppedExpired.increment();
            case PACKET_TOO_LARGE -> droppedTooLarge.increment();
            case QOS0_OFFLINE -> droppedQos0Offline.increment();
        }
        if (reason == DropReason.QOS0_OFFLINE || reason == DropReason.EXPIRED) {
            return; // expected behaviour the specification asks for: counted, not logged
        }
        dropsSinceLog.increment();
        long now = System.nanoTime();
        long last = lastDropLogNanos.get();
        if (now - last >= DROP_LOG_INTERVAL_NANOS && lastDropLogNanos.compareAndSet(last, now)) {
            long n = dropsSinceLog.sumThenReset();
            LOG.warn("dropped {} message(s) in the last {} s; latest: {} for client '{}' on topic '{}'"
                + " (see metric tern.messages.dropped)", n, (now - last) / 1_000_000_000L,
                reason.name().toLowerCase().replace('_', '-'), clientId, topic);
        }
    }

    /** Registers a counter read from elsewhere (the store's). */
    public void counter(String name, String description, java.util.function.LongSupplier value) {
        FunctionCounter.builder(name, value, v -> v.getAsLong()).description(description).register(registry);
    }

    /** Registers a gauge read from broker state (sessions, subscriptions, retained messages). */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }
}
