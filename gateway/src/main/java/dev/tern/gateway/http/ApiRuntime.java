package dev.tern.gateway.http;

import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.mqtt.GatewayMessage;
import dev.tern.gateway.mqtt.Publisher;
import dev.tern.gateway.mqtt.TopicPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** One deployed API: its definition, plan guard, topic policy and shared publisher. */
public final class ApiRuntime {
    private final ApiDefinition api;
    private final PlanGuard guard;
    private final TopicPolicy topics;
    private final Publisher publisher;

    public ApiRuntime(Vertx vertx, ApiDefinition api, Clock clock) {
        this.api = api;
        this.guard = new PlanGuard(vertx, api, clock);
        this.topics = new TopicPolicy(api);
        this.publisher = api.endpoint().shared().producer().enabled() ? new Publisher(api) : null;
    }

    public ApiDefinition api() {
        return api;
    }

    public PlanGuard guard() {
        return guard;
    }

    public TopicPolicy topics() {
        return topics;
    }

    public Publisher publisher() {
        return publisher;
    }

    /** The request's {@code gravitee.attribute.mqtt5.*} attributes, from the headers / query parameters the API names. */
    public Map<String, String> attributes(HttpServerRequest req) {
        Map<String, String> out = new HashMap<>();
        api.attributes().forEach((name, source) -> {
            String v = source.header() != null ? req.getHeader(source.header()) : null;
            if (v == null && source.query() != null) {
                v = req.getParam(source.query());
            }
            if (v != null && !v.isEmpty()) {
                out.put(name, v);
            }
        });
        return out;
    }

    /**
     * Header names that are never copied into messages: credentials, hop-by-hop headers, the attribute
     * headers and the no-local origin mark (a caller could otherwise make another socket skip a message).
     */
    public boolean isPrivateHeader(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (n.equals("authorization") || n.equals("host") || n.equals("content-length") || n.equals("connection")
            || n.equals("transfer-encoding") || n.equals("keep-alive") || n.equals("upgrade") || n.equals("te")
            || n.equals("proxy-authorization") || n.equals("cookie") || n.equals(GatewayMessage.ORIGIN_HEADER)) {
            return true;
        }
        for (var p : api.plans()) {
            if (p.apiKey() != null && p.apiKey().header().equalsIgnoreCase(name)) {
                return true;
            }
        }
        for (var source : api.attributes().values()) {
            if (source.header() != null && source.header().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
