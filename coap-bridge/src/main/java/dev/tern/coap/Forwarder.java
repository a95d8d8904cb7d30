package dev.tern.coap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns one CoAP notification or push into one PUBLISH: topic from the template, payload as
 * received, Content Type from the CoAP Content-Format, QoS of the resource or the default. At most
 * {@code maxPending} PUBLISHes wait for the broker's acknowledgement; beyond that a message is
 * dropped and counted (failures{reason=backlog-full}), so a broker outage cannot exhaust memory.
 * Thread-safe.
 */
final class Forwarder {
    /** The user property that carries the numeric CoAP Content-Format. */
    static final String CONTENT_FORMAT_PROPERTY = "coap-content-format";
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final TopicTemplate template;
    private final Qos defaultQos;
    private final MqttPublisher publisher;
    private final BridgeMetrics metrics;
    private final int maxPending;
    private final AtomicInteger pending;
    private final RateLimitedLog failureLog;

    Forwarder(CoapBridgeConfig config, MqttPublisher publisher, BridgeMetrics metrics, AtomicInteger pending, RateLimitedLog failureLog) {
        this.template = config.topicTemplate();
        this.defaultQos = config.defaultQos();
        this.maxPending = config.maxPendingPublishes();
        this.publisher = publisher;
        this.metrics = metrics;
        this.pending = pending;
        this.failureLog = failureLog;
    }

    /**
     * Publishes what a known device sent for one of its resources.
     *
     * @param contentFormat the CoAP Content-Format, -1 if the message had none
     * @return completes when the broker acknowledged; fails with {@link BacklogFullException} or the publisher's error
     */
    CompletableFuture<Void> forward(Device device, String resource, byte[] payload, int contentFormat, boolean pushed) {
        metrics.notificationIn(pushed);
        Qos qos = device.resource(resource).map(DeviceResource::qos).orElse(null);
        if (qos == null) {
            qos = defaultQos;
        }
        String topic;
        try {
            topic = template.render(device.tenant(), device.id(), resource);
        } catch (IllegalArgumentException e) {
            metrics.failure(BridgeMetrics.Failure.PUBLISH);
            return CompletableFuture.failedFuture(e);
        }
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            metrics.failure(BridgeMetrics.Failure.BACKLOG_FULL);
            failureLog.warn("backlog-full", () -> "coap-bridge: " + maxPending
                + " PUBLISHes are waiting for the broker; dropping messages (first dropped: " + topic + ")");
            return CompletableFuture.failedFuture(new BacklogFullException());
        }
        Map<String, String> properties = contentFormat >= 0
            ? Map.of(CONTENT_FORMAT_PROPERTY, Integer.toString(contentFormat)) : Map.of();
        OutgoingMessage message = new OutgoingMessage(topic, payload == null ? new byte[0] : payload, qos,
            ContentFormats.contentType(contentFormat).orElse(null), properties);
        Qos published = qos;
        CompletableFuture<Void> sent;
        try {
            sent = publisher.publish(message);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        // The caller gets its own future: one it may complete early (orTimeout) without skipping the
        // bookkeeping below, which a dependent stage completed first would never run.
        CompletableFuture<Void> result = new CompletableFuture<>();
        sent.whenComplete((ok, error) -> {
            pending.decrementAndGet();
            if (error == null) {
                metrics.publishOut(published);
                result.complete(null);
            } else {
                metrics.failure(BridgeMetrics.Failure.PUBLISH);
                failureLog.warn("publish", () -> "coap-bridge: PUBLISH to " + topic + " failed: " + error.getMessage());
                LOG.debug("PUBLISH to {} failed", topic, error);
                result.completeExceptionally(error);
            }
        });
        return result;
    }

    /** Too many PUBLISHes are waiting for the broker. */
    static final class BacklogFullException extends RuntimeException {
        BacklogFullException() {
            super("too many PUBLISHes waiting for the broker", null, false, false);
        }
    }
}
