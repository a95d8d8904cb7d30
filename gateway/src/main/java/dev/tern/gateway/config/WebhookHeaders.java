package dev.tern.gateway.config;

import java.util.Locale;
import java.util.Set;

/**
 * What may travel as a header of a webhook call. A name must be an HTTP token (RFC 9110 §5.1) and a
 * value visible US-ASCII with inner spaces or tabs (RFC 9110 §5.5): Vert.x throws on a name with a
 * space, ':' or non-ASCII and on a value with CR, LF or NUL, and would send other non-ASCII as '?'.
 * MQTT user properties may hold any UTF-8, so the dispatcher skips those that do not fit, while
 * configured headers (entrypoint and subscription) are refused when they are written.
 *
 * <p>Framing and hop-by-hop headers belong to the gateway's own HTTP client, and the gateway sets
 * {@code Content-Type} and {@code X-Tern-*} on every call: neither kind is taken from a user property
 * or from configuration.
 */
public final class WebhookHeaders {
    /** RFC 9110 §7.6.1 hop-by-hop headers, plus the message framing the HTTP client owns. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "proxy-connection", "keep-alive", "te",
        "transfer-encoding", "upgrade", "host", "content-length", "trailer", "expect", "http2-settings");

    private WebhookHeaders() {
    }

    /** True for an RFC 9110 token: {@code !#$%&'*+-.^_`|~}, digits and letters, at least one. */
    public static boolean isToken(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** True for a field value: visible US-ASCII, spaces and tabs inside, none at either end (empty is fine). */
    public static boolean isValue(String value) {
        if (value == null) {
            return false;
        }
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            boolean visible = c >= 0x21 && c <= 0x7e;
            boolean blank = c == ' ' || c == '\t';
            if (!visible && !(blank && i > 0 && i < n - 1)) {
                return false;
            }
        }
        return true;
    }

    /** A hop-by-hop or framing header: the gateway's HTTP client writes these, nobody else. */
    public static boolean isHopByHop(String name) {
        return HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT));
    }

    /** A header the dispatcher sets on every call: {@code Content-Type} and {@code X-Tern-*}. */
    public static boolean isSetByGateway(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.equals("content-type") || n.startsWith("x-tern-");
    }

    /** Why a configured header name cannot be used, or null when it can. */
    public static String nameProblem(String name) {
        if (!isToken(name)) {
            return "is not a valid header name: use letters, digits and !#$%&'*+-.^_`|~ (no spaces, no ':', ASCII only)";
        }
        if (isHopByHop(name)) {
            return "is a hop-by-hop or framing header, which the gateway's HTTP client sets itself";
        }
        if (isSetByGateway(name)) {
            return "is set by the gateway on every call (Content-Type from the message, X-Tern-* for the delivery)";
        }
        return null;
    }

    /** Why a configured header value cannot be used, or null when it can. */
    public static String valueProblem(String value) {
        return isValue(value) ? null
            : "is not a valid header value: use visible US-ASCII characters, with spaces or tabs only between them"
                + " (no line breaks, no control or non-ASCII characters)";
    }

    /**
     * A user property as a header value, or null when it cannot be one: surrounding spaces and tabs are
     * dropped (RFC 9110 §5.5: they are not part of a field value), the rest must be {@link #isValue}.
     */
    public static String userPropertyValue(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
            end--;
        }
        String v = value.substring(start, end);
        return isValue(v) ? v : null;
    }

    /** True when a user property of this name may become a header of the call. */
    public static boolean isUserPropertyName(String name) {
        return isToken(name) && !isHopByHop(name) && !isSetByGateway(name);
    }
}
