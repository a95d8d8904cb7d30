package dev.tern.coap;

import java.util.Map;

/**
 * One PUBLISH the bridge sends: topic, the payload as the device sent it, QoS, the MQTT 5 Content
 * Type ({@code null} when the CoAP message had no known Content-Format) and user properties.
 */
public record OutgoingMessage(String topic, byte[] payload, Qos qos, String contentType, Map<String, String> userProperties) {
    public OutgoingMessage {
        userProperties = Map.copyOf(userProperties);
    }
}
