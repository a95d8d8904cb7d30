package dev.tern.gateway.mqtt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A message an entrypoint publishes: payload, headers (sent as MQTT 5 user properties, one per
 * value, in the order given: MQTT 5 §3.3.2.3.7 keeps the order of user properties), its own
 * {@code gravitee.attribute.mqtt5.*} attributes (which win over the request's), and the content
 * type (the MQTT 5 Content Type property), or null.
 */
public record OutgoingMessage(byte[] payload, Map<String, List<String>> headers, Map<String, String> attributes,
                              String contentType) {
    public OutgoingMessage {
        // copies that keep insertion order (Map.copyOf does not)
        Map<String, List<String>> h = new LinkedHashMap<>();
        headers.forEach((k, v) -> h.put(k, List.copyOf(v)));
        headers = Collections.unmodifiableMap(h);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** The headers as (name, value) pairs in order, one per value: the user properties to send. */
    public List<Map.Entry<String, String>> headerPairs() {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        headers.forEach((k, vs) -> vs.forEach(v -> out.add(Map.entry(k, v))));
        return out;
    }
}
