package dev.tern.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.mqtt.GatewayMessage;
import dev.tern.gateway.mqtt.OutgoingMessage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One inbound WebSocket text message as a message with its own attributes (Tern addition,
 * {@code publisher.envelope}): the reference lets a message's {@code gravitee.attribute.mqtt5.*}
 * attributes win over the request's (§1.5), and a WebSocket frame has no other place to carry them.
 *
 * <pre>{@code
 * {"content": "21.5", "contentType": "text/plain", "headers": {"unit": "C", "tags": ["a", "b"]},
 *  "attributes": {"gravitee.attribute.mqtt5.topic": "demo/kitchen"}}
 * }</pre>
 *
 * {@code content} (UTF-8 text) or {@code contentBase64} (bytes), at most one (neither: an empty
 * payload); every key optional, any other key refused. Errors name the JSON path.
 */
final class WebSocketEnvelope {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("content", "contentBase64", "contentType", "headers", "attributes");

    private WebSocketEnvelope() {
    }

    static OutgoingMessage parse(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw invalid("$", "is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid("$", "must be a JSON object {\"content\": ..., \"attributes\": {...}, \"headers\": {...}}");
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String k = e.getKey();
            if (!KEYS.contains(k)) {
                throw invalid("$." + k, "unknown key; allowed: content, contentBase64, contentType, headers, attributes");
            }
        }
        if (root.has("content") && root.has("contentBase64")) {
            throw invalid("$", "has both content and contentBase64: send one of them");
        }
        byte[] payload = new byte[0];
        if (root.has("content")) {
            payload = text(root, "content", "$.content").getBytes(StandardCharsets.UTF_8);
        } else if (root.has("contentBase64")) {
            try {
                payload = Base64.getDecoder().decode(text(root, "contentBase64", "$.contentBase64"));
            } catch (IllegalArgumentException e) {
                throw invalid("$.contentBase64", "is not base64: " + e.getMessage());
            }
        }
        String contentType = root.has("contentType") ? text(root, "contentType", "$.contentType") : null;
        return new OutgoingMessage(payload, headers(root.get("headers")), attributes(root.get("attributes")), contentType);
    }

    private static Map<String, List<String>> headers(JsonNode h) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (h == null || h.isNull()) {
            return out;
        }
        if (!h.isObject()) {
            throw invalid("$.headers", "must be an object of name: value or name: [values]");
        }
        for (Map.Entry<String, JsonNode> e : h.properties()) {
            String path = "$.headers['" + e.getKey() + "']";
            if (e.getKey().equalsIgnoreCase(GatewayMessage.ORIGIN_HEADER)) {
                throw invalid(path, "is set by the gateway (subscriber.noLocal)");
            }
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                for (int i = 0; i < e.getValue().size(); i++) {
                    values.add(scalar(e.getValue().get(i), path + "[" + i + "]"));
                }
            } else {
                values.add(scalar(e.getValue(), path));
            }
            out.put(e.getKey(), values);
        }
        return out;
    }

    private static Map<String, String> attributes(JsonNode a) {
        Map<String, String> out = new LinkedHashMap<>();
        if (a == null || a.isNull()) {
            return out;
        }
        if (!a.isObject()) {
            throw invalid("$.attributes", "must be an object of attribute: value");
        }
        for (Map.Entry<String, JsonNode> e : a.properties()) {
            String path = "$.attributes['" + e.getKey() + "']";
            if (!ApiDefinition.ATTRIBUTES.contains(e.getKey())) {
                throw invalid(path, "unknown attribute; allowed: " + String.join(", ", ApiDefinition.ATTRIBUTES));
            }
            out.put(e.getKey(), scalar(e.getValue(), path));
        }
        return out;
    }

    private static String text(JsonNode root, String key, String path) {
        JsonNode v = root.get(key);
        if (!v.isTextual()) {
            throw invalid(path, "must be a string");
        }
        return v.asText();
    }

    private static String scalar(JsonNode v, String path) {
        if (!v.isTextual() && !v.isNumber() && !v.isBoolean()) {
            throw invalid(path, "must be a string");
        }
        return v.asText();
    }

    private static GatewayException invalid(String path, String problem) {
        return new GatewayException(GatewayFailure.INVALID_REQUEST, "envelope " + path + ": " + problem);
    }
}
