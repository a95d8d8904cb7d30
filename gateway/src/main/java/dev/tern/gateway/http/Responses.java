package dev.tern.gateway.http;

import dev.tern.gateway.GatewayException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that turns a failure into an HTTP answer: status and a JSON body with the key. */
public final class Responses {
    private static final Logger LOG = LoggerFactory.getLogger(Responses.class);

    private Responses() {
    }

    public static JsonObject body(GatewayException e) {
        JsonObject o = new JsonObject()
            .put("key", e.failure().name())
            .put("message", e.failure().message())
            .put("http_status_code", e.failure().status());
        if (e.getMessage() != null && !e.getMessage().equals(e.failure().message())) {
            o.put("parameters", new JsonObject().put("exception", e.getMessage()));
        }
        return o;
    }

    public static void fail(HttpServerResponse resp, Throwable t) {
        GatewayException e = GatewayException.of(t);
        if (e.failure().status() >= 500) {
            LOG.warn("{} {}: {}", e.failure().status(), e.failure().name(), e.getMessage());
        }
        if (resp.headWritten() || resp.ended() || resp.closed()) {
            if (!resp.ended() && !resp.closed()) {
                resp.end();
            }
            return;
        }
        resp.setStatusCode(e.failure().status())
            .putHeader("Content-Type", "application/json")
            .end(body(e).encode());
    }
}
