package dev.tern.coap;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Where a device's CoAP server listens: host (name or IP literal, IPv6 without brackets) and UDP port. */
public record CoapAddress(String host, int port) {
    public static final int DEFAULT_PORT = 5683;

    public CoapAddress {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not allowed: use 1..65535");
        }
    }

    /**
     * Parses {@code coap://host[:port]}, {@code host[:port]}, {@code [ipv6][:port]} or a bare IPv6
     * literal; the port defaults to 5683.
     *
     * @throws IllegalArgumentException saying what is allowed
     */
    public static CoapAddress parse(String text) {
        String t = text.trim();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.startsWith("coaps://") || lower.startsWith("coap+tcp://") || lower.startsWith("coaps+tcp://")) {
            throw new IllegalArgumentException("scheme not supported: the bridge speaks CoAP over UDP (coap://) only");
        }
        if (!lower.startsWith("coap://")) {
            if (t.contains("://")) {
                throw new IllegalArgumentException("scheme not supported: use coap://host:port or host:port");
            }
            if (t.indexOf(':') != t.lastIndexOf(':') && !t.startsWith("[")) {
                return new CoapAddress(t, DEFAULT_PORT); // a bare IPv6 literal
            }
            t = "coap://" + t;
        }
        URI uri;
        try {
            uri = new URI(t);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("is not an address: use coap://host:port, host:port or [ipv6]:port");
        }
        String host = uri.getHost();
        if (host == null || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
            || uri.getQuery() != null || uri.getUserInfo() != null) {
            throw new IllegalArgumentException("is not an address: use coap://host:port, host:port or [ipv6]:port (no path, no query)");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new CoapAddress(host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort());
    }

    /** {@code coap://host:port} with IPv6 literals in brackets. */
    public String uri() {
        return "coap://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return uri();
    }
}
