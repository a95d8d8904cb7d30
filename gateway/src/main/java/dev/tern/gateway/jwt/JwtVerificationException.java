package dev.tern.gateway.jwt;

/** A token that is not accepted, with the reason as a value so a caller can map it (HTTP 401, CONNACK 0x87...). */
public final class JwtVerificationException extends Exception {
    /** Why a token was refused. */
    public enum Reason { MALFORMED, UNSUPPORTED_ALGORITHM, NO_MATCHING_KEY, BAD_SIGNATURE, EXPIRED, NOT_YET_VALID,
        WRONG_ISSUER, WRONG_AUDIENCE, KEY_SOURCE_UNAVAILABLE }

    private final Reason reason;

    public JwtVerificationException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public JwtVerificationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
