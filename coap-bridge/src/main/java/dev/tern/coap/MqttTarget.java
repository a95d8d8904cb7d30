package dev.tern.coap;

/**
 * The MQTT 5 broker the bridge publishes to, and how it connects. {@code username}/{@code password}
 * may be {@code null}. Session expiry is in seconds: with a session that outlives a reconnect, QoS 1/2
 * PUBLISHes the broker has not acknowledged are sent again after it (MQTT 5 §4.4). {@code tls}:
 * {@code null} for plain TCP.
 */
public record MqttTarget(String serverHost, int serverPort, String clientId, String username, String password,
                         long sessionExpiryInterval, int keepAlive, MqttTls tls) {
    public static final String DEFAULT_CLIENT_ID = "tern-coap-bridge";
    public static final long DEFAULT_SESSION_EXPIRY = 3600;
    public static final int DEFAULT_KEEP_ALIVE = 60;

    public MqttTarget {
        if (serverHost == null || serverHost.isEmpty()) {
            throw new IllegalArgumentException("mqtt.serverHost must not be empty");
        }
        if (serverPort < 1 || serverPort > 65535) {
            throw new IllegalArgumentException("mqtt.serverPort = " + serverPort + " is not allowed: use 1..65535");
        }
        if (clientId == null || clientId.isEmpty()) {
            throw new IllegalArgumentException("mqtt.clientId must not be empty");
        }
    }

    /** Over plain TCP. */
    public MqttTarget(String serverHost, int serverPort, String clientId, String username, String password,
                      long sessionExpiryInterval, int keepAlive) {
        this(serverHost, serverPort, clientId, username, password, sessionExpiryInterval, keepAlive, null);
    }

    public static MqttTarget of(String host, int port) {
        return new MqttTarget(host, port, DEFAULT_CLIENT_ID, null, null, DEFAULT_SESSION_EXPIRY, DEFAULT_KEEP_ALIVE);
    }

    public MqttTarget withServer(String host, int port) {
        return new MqttTarget(host, port, clientId, username, password, sessionExpiryInterval, keepAlive, tls);
    }

    /** The same target over TLS ({@code null}: plain TCP). */
    public MqttTarget withTls(MqttTls tls) {
        return new MqttTarget(serverHost, serverPort, clientId, username, password, sessionExpiryInterval, keepAlive, tls);
    }

    @Override
    public String toString() {
        // never the password
        return "MqttTarget[" + serverHost + ":" + serverPort + ", clientId=" + clientId
            + (username != null ? ", username=" + username : "") + (tls != null ? ", " + tls : "") + "]";
    }
}
