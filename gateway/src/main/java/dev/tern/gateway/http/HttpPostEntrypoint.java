package dev.tern.gateway.http;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.EntrypointOptions;
import dev.tern.gateway.mqtt.OutgoingMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code http-post}: the whole request body becomes one message, published to the broker; the
 * caller gets 202 Accepted (empty body) once the broker acknowledged the PUBLISH.
 */
public final class HttpPostEntrypoint {
    private final long maxBody;

    public HttpPostEntrypoint(long maxBody) {
        this.maxBody = maxBody;
    }

    public void handle(RequestScope scope, EntrypointOptions.HttpPost options) {
        HttpServerRequest req = scope.request();
        String length = req.getHeader("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length) > maxBody) {
                    tooLarge(req);
                    return;
                }
            } catch (NumberFormatException e) {
                Responses.fail(req.response(), new GatewayException(GatewayFailure.INVALID_REQUEST, "Content-Length is not a number"));
                return;
            }
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = new boolean[1];
        req.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > maxBody) {
                refused[0] = true;
                tooLarge(req);
                return;
            }
            body.appendBuffer(chunk);
        });
        req.exceptionHandler(e -> refused[0] = true);
        req.endHandler(v -> {
            if (refused[0]) {
                return;
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            if (options.requestHeadersToMessage()) {
                req.headers().forEach(h -> {
                    if (!scope.api().isPrivateHeader(h.getKey())) {
                        headers.computeIfAbsent(h.getKey(), k -> new ArrayList<>()).add(h.getValue());
                    }
                });
            }
            OutgoingMessage m = new OutgoingMessage(body.getBytes(), headers, Map.of(), req.getHeader("Content-Type"));
            scope.api().publisher().publish(m, scope.attributes()).whenComplete((ok, err) -> {
                if (err != null) {
                    Responses.fail(req.response(), err);
                } else {
                    req.response().setStatusCode(202).end();
                }
            });
        });
    }

    private void tooLarge(HttpServerRequest req) {
        boolean http1 = req.version() != io.vertx.core.http.HttpVersion.HTTP_2;
        if (http1) {
            req.response().putHeader("Connection", "close"); // the rest of the body is not read
        }
        Responses.fail(req.response(), new GatewayException(GatewayFailure.REQUEST_ENTITY_TOO_LARGE,
            "the body is larger than http.maxRequestBodySize = " + maxBody + " bytes"));
        if (http1) {
            req.connection().close();
        }
    }
}
