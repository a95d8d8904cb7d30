package dev.tern.gateway.mqtt;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A consumed message as the entrypoints see it: an id (unique within its consumer session, usable
 * as a cursor or SSE {@code Last-Event-ID}), the payload, the PUBLISH's user properties as headers
 * and its other properties as metadata.
 */
public record GatewayMessage(String id, byte[] content, Map<String, List<String>> headers, Map<String, String> metadata) {
    /** The user property a no-local publisher marks its messages with (gap 2). */
    public static final String ORIGIN_HEADER = "x-tern-origin";

    /** The same message under another id. */
    public GatewayMessage withId(String newId) {
        return new GatewayMessage(newId, content, headers, metadata);
    }

    /** The origin mark of this message, or null. */
    public String origin() {
        List<String> o = headers.get(ORIGIN_HEADER);
        return o == null || o.isEmpty() ? null : o.get(0);
    }

    /** Metadata keys: the reference's, plus correlationData (base64) and payloadFormatIndicator. */
    public static GatewayMessage of(String id, Mqtt5Publish p) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        p.getUserProperties().asList().forEach(up ->
            headers.computeIfAbsent(up.getName().toString(), k -> new ArrayList<>()).add(up.getValue().toString()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("topic", p.getTopic().toString());
        meta.put("type", "PUBLISH");
        meta.put("qos", String.valueOf(p.getQos().getCode()));
        meta.put("retain", String.valueOf(p.isRetain()));
        p.getContentType().ifPresent(c -> meta.put("contentType", c.toString()));
        p.getMessageExpiryInterval().ifPresent(e -> meta.put("messageExpiryInterval", String.valueOf(e)));
        p.getResponseTopic().ifPresent(t -> meta.put("responseTopic", t.toString()));
        p.getCorrelationData().ifPresent(c -> meta.put("correlationData", Base64.getEncoder().encodeToString(bytes(c))));
        p.getPayloadFormatIndicator().ifPresent(f -> meta.put("payloadFormatIndicator", f.name()));
        return new GatewayMessage(id, p.getPayloadAsBytes(), headers, meta);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    public String contentAsString() {
        return new String(content, StandardCharsets.UTF_8);
    }
}
