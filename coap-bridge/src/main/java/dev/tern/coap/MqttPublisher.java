package dev.tern.coap;

import java.util.concurrent.CompletableFuture;

/**
 * Where the bridge's PUBLISHes go. The future completes when the broker has acknowledged the
 * message (PUBACK / PUBREC for QoS 1 / 2, sent for QoS 0) and fails when it refused it or the
 * message could not be sent. Calls may come from any thread; messages of one caller keep their order.
 */
public interface MqttPublisher extends AutoCloseable {
    CompletableFuture<Void> publish(OutgoingMessage message);

    @Override
    void close();
}
