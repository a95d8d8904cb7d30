package dev.tern.connectors.internal;

import dev.tern.connectors.MqttMessage;

/**
 * A message the client received and handed to the source, with the handle that acknowledges it
 * to the broker (PUBACK for QoS 1, PUBREC for QoS 2; nothing for QoS 0). The client sends the
 * acknowledgements in the order the messages arrived, whatever order {@link #acknowledge()} is
 * called in, as MQTT requires ([MQTT-4.6.0-2]).
 */
public record Received(String topic, MqttMessage message, Runnable ack) {
    public void acknowledge() {
        ack.run();
    }

    public boolean needsAcknowledgement() {
        return message.qos().getQos() > 0;
    }
}
