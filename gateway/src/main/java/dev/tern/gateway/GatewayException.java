package dev.tern.gateway;

/** A failure with its key, carried through futures until one place turns it into a response. */
public final class GatewayException extends RuntimeException {
    private final GatewayFailure failure;

    public GatewayException(GatewayFailure failure, String detail) {
        super(detail == null ? failure.message() : detail);
        this.failure = failure;
    }

    public GatewayException(GatewayFailure failure, String detail, Throwable cause) {
        super(detail == null ? failure.message() : detail, cause);
        this.failure = failure;
    }

    public GatewayFailure failure() {
        return failure;
    }

    /** The GatewayException inside {@code t}, or FAILURE_ENDPOINT_UNKNOWN_ERROR around it. */
    public static GatewayException of(Throwable t) {
        Throwable c = t;
        while (c != null) {
            if (c instanceof GatewayException g) {
                return g;
            }
            c = c.getCause();
        }
        return new GatewayException(GatewayFailure.FAILURE_ENDPOINT_UNKNOWN_ERROR, String.valueOf(t), t);
    }
}
