package dev.tern.broker;

/**
 * One network listener.
 *
 * @param name a name for logs and metrics, unique among listeners
 * @param transport how clients reach it
 * @param host the address to bind (default 0.0.0.0)
 * @param port the port; 0 picks a free one, which {@link Broker#listeners()} then reports
 * @param path the HTTP path of a WebSocket listener (default /mqtt)
 */
public record ListenerConfig(String name, Transport transport, String host, int port, String path) {

    /** Listener transports. */
    public enum Transport { TCP, WS }

    public ListenerConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("listeners[].name must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listeners[" + name + "].port = " + port + " is not allowed: use 0..65535");
        }
        if (host == null || host.isBlank()) {
            host = "0.0.0.0";
        }
        if (path == null || path.isBlank()) {
            path = "/mqtt";
        }
    }

    public static ListenerConfig tcp(String host, int port) {
        return new ListenerConfig("mqtt", Transport.TCP, host, port, null);
    }

    public static ListenerConfig ws(String host, int port, String path) {
        return new ListenerConfig("ws", Transport.WS, host, port, path);
    }
}
