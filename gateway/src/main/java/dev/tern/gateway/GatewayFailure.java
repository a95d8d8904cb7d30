package dev.tern.gateway;

/**
 * Every failure the gateway answers with, as a JSON body
 * {@code {"key", "message", "http_status_code", "parameters": {"exception": ...}}}. The first
 * three keys are the reference endpoint's own (§1.6).
 */
public enum GatewayFailure {
    FAILURE_ENDPOINT_CONNECTION_FAILED(500, "Endpoint connection failed"),
    FAILURE_ENDPOINT_CONNECTION_CLOSED(500, "Endpoint connection closed"),
    FAILURE_ENDPOINT_UNKNOWN_ERROR(500, "Endpoint unknown error"),
    UNSUPPORTED_ACCEPT_HEADER(400, "Unsupported accept header"),
    INVALID_TOPIC(400, "Invalid topic"),
    INVALID_REQUEST(400, "Invalid request"),
    GATEWAY_PLAN_UNRESOLVABLE(401, "Unauthorized"),
    API_KEY_INVALID(401, "API Key is not valid or is expired / revoked."),
    JWT_INVALID_TOKEN(401, "Unauthorized"),
    JWT_INSUFFICIENT_SCOPE(403, "Forbidden: the token lacks a required scope"),
    TOPIC_FORBIDDEN(403, "Forbidden: the topic is outside the API's allowed topics"),
    NO_ENTRYPOINT(404, "No entrypoint matches the request"),
    SUBSCRIPTION_NOT_FOUND(404, "Subscription not found"),
    REQUEST_ENTITY_TOO_LARGE(413, "Request entity too large"),
    TOO_MANY_CONSUMER_SESSIONS(503, "Too many consumer sessions"),
    GATEWAY_STOPPING(503, "The gateway is stopping: try again later"),
    WEBHOOK_UNREACHABLE(502, "Webhook callback url is unreachable"),
    MESSAGE_PROCESSING_FAILED(500, "Message processing failed");

    private final int status;
    private final String message;

    GatewayFailure(int status, String message) {
        this.status = status;
        this.message = message;
    }

    public int status() {
        return status;
    }

    public String message() {
        return message;
    }
}
