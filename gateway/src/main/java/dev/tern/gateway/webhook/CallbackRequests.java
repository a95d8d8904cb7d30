package dev.tern.gateway.webhook;

import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.gateway.config.EntrypointOptions;
import dev.tern.gateway.config.WebhookHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds the POST of one message to a subscription's callback, with its headers. The first source
 * wins: the message's user properties, then the subscription's headers, then the entrypoint's; then
 * the gateway's own {@code Content-Type} and {@code X-Tern-*}. Only what {@link WebhookHeaders}
 * allows goes out, so no message can make Vert.x refuse the call.
 */
final class CallbackRequests {
    private final WebClient http;
    private final EntrypointOptions.Webhook options;
    private final WebhookSubscription sub;

    CallbackRequests(WebClient http, EntrypointOptions.Webhook options, WebhookSubscription sub) {
        this.http = http;
        this.options = options;
        this.sub = sub;
    }

    /**
     * The call for attempt {@code attempt} of {@code p}; {@code skipped} hears, on the first attempt, the
     * name of each user property that is not sent. Configured headers were checked when they were
     * written; they are checked again here because a store file may have been edited since.
     */
    HttpRequest<Buffer> build(Mqtt5Publish p, int attempt, byte[] body, Consumer<String> skipped) {
        HttpRequest<Buffer> req = http.postAbs(sub.callbackUrl())
            .connectTimeout(options.connectTimeoutMs())
            .idleTimeout(options.readTimeoutMs());
        MultiMap headers = req.headers();
        for (EntrypointOptions.Header h : options.headers()) {
            setConfigured(headers, h);
        }
        for (EntrypointOptions.Header h : sub.headers()) {
            setConfigured(headers, h);
        }
        List<Map.Entry<String, String>> props = new ArrayList<>();
        for (Mqtt5UserProperty up : p.getUserProperties().asList()) {
            String name = up.getName().toString();
            String value = WebhookHeaders.userPropertyValue(up.getValue().toString());
            if (value != null && WebhookHeaders.isUserPropertyName(name)) {
                props.add(Map.entry(name, value));
            } else if (attempt == 1) {
                skipped.accept(name);
            }
        }
        props.forEach(e -> headers.remove(e.getKey()));
        props.forEach(e -> headers.add(e.getKey(), e.getValue()));
        String contentType = p.getContentType().map(Object::toString).orElse("");
        headers.set("Content-Type", !contentType.isEmpty() && WebhookHeaders.isValue(contentType) ? contentType
            : "application/octet-stream");
        headers.set("X-Tern-Topic", topicHeader(p.getTopic().toString()));
        headers.set("X-Tern-Subscription", sub.id());
        headers.set("X-Tern-Attempt", String.valueOf(attempt));
        if (sub.secret() != null) {
            headers.set("X-Tern-Signature", "sha256=" + sign(sub.secret(), body));
        }
        return req;
    }

    private static void setConfigured(MultiMap headers, EntrypointOptions.Header h) {
        if (WebhookHeaders.nameProblem(h.name()) == null && WebhookHeaders.isValue(h.value())) {
            headers.set(h.name(), h.value());
        }
    }

    /** An MQTT topic may hold any UTF-8: one that is not a valid header value goes out percent-encoded (UTF-8). */
    static String topicHeader(String topic) {
        if (WebhookHeaders.isValue(topic)) {
            return topic;
        }
        StringBuilder b = new StringBuilder();
        for (byte x : topic.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c > 0x20 && c < 0x7f && c != '%') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
