package dev.tern.gateway.mqtt;

import java.util.List;
import java.util.Map;

/**
 * A message an entrypoint publishes: payload, headers (sent as MQTT 5 user properties, one per
 * value), its own {@code gravitee.attribute.mqtt5.*} attributes (which win over the request's),
 * and the content type (the MQTT 5 Content Type property), or null.
 */
public record OutgoingMessage(byte[] payload, Map<String, List<String>> headers, Map<String, String> attributes,
                              String contentType) {
    public OutgoingMessage {
        headers = Map.copyOf(headers);
        attributes = Map.copyOf(attributes);
    }

    public static OutgoingMessage of(byte[] payload) {
        return new OutgoingMessage(payload, Map.of(), Map.of(), null);
    }
}
