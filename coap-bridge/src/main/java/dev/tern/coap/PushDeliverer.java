package dev.tern.coap;

import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.server.ServerMessageDeliverer;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The bridge's CoAP server side: devices push ("bubble up") with a CON or NON
 * {@code POST /{deviceId}/{resource...}}. The device names itself in the first path segment (its
 * id or MAC as in the registry); the rest of the path is the resource, which may have several
 * segments and need not be listed in the registry (a listed one gets its QoS).
 * <p>
 * Answers: 2.04 Changed once the broker acknowledged the PUBLISH (so a CON push is end-to-end
 * at-least-once at QoS 1/2); 4.04 Not Found for an unknown device (the id is part of the URI, and an
 * unknown id is an unknown resource, RFC 7252 §5.9.2.5; 4.03 would claim the device exists but lacks
 * a permission, and is kept for when pushes are authenticated); 4.00 Bad Request for a path without
 * resource or one that cannot be a topic; 4.05 for methods other than POST; 5.03 Service
 * Unavailable when the broker did not acknowledge in time or too many PUBLISHes are pending, so
 * the device can try again later. Responses to the bridge's own observe requests pass through to
 * Californium unchanged (only requests are handled here).
 */
final class PushDeliverer extends ServerMessageDeliverer {
    private final Supplier<DeviceRegistry> registry;
    private final Forwarder forwarder;
    private final BridgeMetrics metrics;
    private final boolean enabled;
    private final Duration timeout;
    private final RateLimitedLog refusals;

    PushDeliverer(Resource root, Configuration config, Supplier<DeviceRegistry> registry, Forwarder forwarder, BridgeMetrics metrics,
                  CoapBridgeConfig bridgeConfig, RateLimitedLog refusals) {
        super(root, config);
        this.registry = registry;
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.enabled = bridgeConfig.pushEnabled();
        this.timeout = bridgeConfig.publishTimeout();
        this.refusals = refusals;
    }

    @Override
    protected boolean preDeliverRequest(Exchange exchange) {
        try {
            handle(exchange);
        } catch (RuntimeException e) {
            // a bug here must cost one request, not the endpoint
            refusals.warn("internal", () -> "coap-bridge: push failed: " + e);
            exchange.sendResponse(new Response(ResponseCode.INTERNAL_SERVER_ERROR));
        }
        return true;
    }

    private void handle(Exchange exchange) {
        Request request = exchange.getRequest();
        List<String> path = request.getOptions().getUriPath();
        if (!enabled) {
            refuse(exchange, ResponseCode.NOT_FOUND, BridgeMetrics.Refusal.PUSH_DISABLED, "pushes are disabled on this bridge");
            return;
        }
        if (request.getCode() != Code.POST) {
            refuse(exchange, ResponseCode.METHOD_NOT_ALLOWED, BridgeMetrics.Refusal.METHOD, "use POST /{deviceId}/{resource}");
            return;
        }
        if (path.size() < 2) {
            refuse(exchange, ResponseCode.BAD_REQUEST, BridgeMetrics.Refusal.BAD_PATH, "use POST /{deviceId}/{resource}");
            return;
        }
        String deviceId = path.get(0);
        Device device = registry.get().find(deviceId).orElse(null);
        if (device == null) {
            refusals.warn("unknown-device", () -> "coap-bridge: refused a push from unknown device '" + deviceId + "' at "
                + request.getSourceContext().getPeerAddress() + " (4.04)");
            refuse(exchange, ResponseCode.NOT_FOUND, BridgeMetrics.Refusal.UNKNOWN_DEVICE, "unknown device");
            return;
        }
        // Each Uri-Path option is one segment: an empty one (POST /dev//x) is refused here, before the
        // join, because the join would turn it into a leading '/' that resourceProblem ignores (as it
        // should for registry paths) and publish to .../dev//x, past the resource's registered QoS.
        String resource = String.join("/", path.subList(1, path.size()));
        String problem = path.subList(1, path.size()).contains("") ? "must not have an empty segment"
            : Names.resourceProblem(resource);
        if (problem != null) {
            refuse(exchange, ResponseCode.BAD_REQUEST, BridgeMetrics.Refusal.BAD_PATH, "resource " + problem);
            return;
        }
        forwarder.forward(device, resource, request.getPayload(), request.getOptions().getContentFormat(), true)
            .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .whenComplete((ok, error) -> {
                if (error == null) {
                    exchange.sendResponse(new Response(ResponseCode.CHANGED));
                } else {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    Response r = new Response(ResponseCode.SERVICE_UNAVAILABLE);
                    r.setPayload(cause instanceof TimeoutException ? "broker did not acknowledge in time" : "cannot publish now");
                    exchange.sendResponse(r);
                }
            });
    }

    private void refuse(Exchange exchange, ResponseCode code, BridgeMetrics.Refusal reason, String message) {
        metrics.refused(reason);
        Response r = new Response(code);
        r.setPayload(message);
        exchange.sendResponse(r);
    }
}
