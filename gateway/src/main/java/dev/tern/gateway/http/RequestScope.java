package dev.tern.gateway.http;

import io.vertx.core.http.HttpServerRequest;

import java.util.Map;

/** An authenticated request to one API: who calls and the request-level attributes. */
public record RequestScope(ApiRuntime api, PlanGuard.Caller caller, Map<String, String> attributes, HttpServerRequest request) {
}
