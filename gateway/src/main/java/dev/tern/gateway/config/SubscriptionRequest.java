package dev.tern.gateway.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;

/**
 * The body of {@code POST .../subscriptions}: a webhook subscription as the consumer supplies it
 * (reference §1.8): {@code callbackUrl} (required), {@code headers} [{name, value}], an optional
 * {@code topic} override (inside the API's allowed topics) and an optional {@code secret} that
 * signs every call ({@code X-Tern-Signature: sha256=<hex HMAC of the body>}).
 */
public record SubscriptionRequest(String callbackUrl, List<EntrypointOptions.Header> headers, String topic, String secret) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public SubscriptionRequest {
        headers = List.copyOf(headers);
    }

    /** Parses and validates; errors carry the JSON path ({@code $.headers[0].name}). */
    public static SubscriptionRequest parse(String body) throws GatewayConfigException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new GatewayConfigException("$", "the body is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new GatewayConfigException("$", "the body is empty: send {\"callbackUrl\": ...}");
        }
        ConfigNode n = new ConfigNode(root, "$").only("callbackUrl", "headers", "topic", "secret");
        String url = n.requiredString("callbackUrl");
        String problem = GatewayConfigParser.callbackProblem(url);
        if (problem != null) {
            throw n.error("callbackUrl", "= " + url + " " + problem);
        }
        String secret = n.string("secret", null);
        if (secret != null && secret.length() < 16) {
            throw n.error("secret", "is shorter than 16 characters");
        }
        return new SubscriptionRequest(url, GatewayConfigParser.headers(n, "headers"), n.string("topic", null), secret);
    }
}
