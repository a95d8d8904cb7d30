package dev.tern.connectors.internal;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * A broker address: {@code tcp://host:1883}, {@code ssl://host:8883}, {@code ws://host:80/path},
 * {@code wss://host:443/path}. The port defaults per scheme; a WebSocket path defaults to empty.
 */
public record BrokerUri(String scheme, String host, int port, String path) implements Serializable {

    /** Parses {@code uri}; the message of the {@link IllegalArgumentException} says what is wrong and what is allowed. */
    public static BrokerUri parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("broker(...) must be a URI such as tcp://localhost:1883, was " + uri);
        }
        URI u;
        try {
            u = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("broker(\"" + uri + "\") is not a valid URI: " + e.getMessage(), e);
        }
        String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        int defaultPort;
        if ("tcp".equals(scheme)) {
            defaultPort = 1883;
        } else if ("ssl".equals(scheme)) {
            defaultPort = 8883;
        } else if ("ws".equals(scheme)) {
            defaultPort = 80;
        } else if ("wss".equals(scheme)) {
            defaultPort = 443;
        } else {
            throw new IllegalArgumentException("broker(\"" + uri + "\"): unsupported scheme '" + scheme
                + "', use tcp://, ssl://, ws:// or wss://");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException("broker(\"" + uri + "\") names no host");
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        if (!path.isEmpty() && (scheme.equals("tcp") || scheme.equals("ssl")) && !path.equals("/")) {
            throw new IllegalArgumentException("broker(\"" + uri + "\"): a path is only allowed for ws:// and wss://");
        }
        return new BrokerUri(scheme, u.getHost(), u.getPort() < 0 ? defaultPort : u.getPort(), path);
    }

    public boolean tls() {
        return scheme.equals("ssl") || scheme.equals("wss");
    }

    public boolean webSocket() {
        return scheme.equals("ws") || scheme.equals("wss");
    }

    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port + path;
    }
}
