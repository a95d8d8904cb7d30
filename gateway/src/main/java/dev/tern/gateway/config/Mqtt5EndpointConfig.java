package dev.tern.gateway.config;

import java.util.Objects;

/**
 * One endpoint of type {@code mqtt5}: where the broker is ({@code configuration}) and the effective
 * shared configuration (the group's {@code sharedConfiguration}, or the endpoint's
 * {@code sharedConfigurationOverride} when {@code inheritConfiguration} is false).
 *
 * @param serverHost null when the gateway runs inside {@code tern broker} and the definition left it
 *                   out: the embedded broker is used
 * @param serverPort 0 in the same case
 */
public record Mqtt5EndpointConfig(String name, String serverHost, int serverPort, SharedConfiguration shared) {

    public Mqtt5EndpointConfig {
        Objects.requireNonNull(shared, "shared");
    }

    public boolean usesEmbeddedBroker() {
        return serverHost == null;
    }

    public Mqtt5EndpointConfig withServer(String host, int port) {
        return new Mqtt5EndpointConfig(name, host, port, shared);
    }

    public Mqtt5EndpointConfig withShared(SharedConfiguration s) {
        return new Mqtt5EndpointConfig(name, serverHost, serverPort, s);
    }

    /** The {@code sharedConfiguration} block of the reference, plus Tern's additions (documented in docs/gateway.md). */
    public record SharedConfiguration(int reconnectAttempts, long sessionExpiryInterval, Consumer consumer,
                                      Producer producer, Security security, String clientIdPrefix,
                                      ReconnectBackoff reconnectBackoff) {
        public static final int DEFAULT_RECONNECT_ATTEMPTS = 3;
        public static final long DEFAULT_SESSION_EXPIRY_INTERVAL = 86_400;
        public static final String DEFAULT_CLIENT_ID_PREFIX = "gio-apim-client-";

        public SharedConfiguration withReconnectAttempts(int attempts) {
            return new SharedConfiguration(attempts, sessionExpiryInterval, consumer, producer, security, clientIdPrefix,
                reconnectBackoff);
        }

        /** True when the reference's rule "≤ -1 means no session expiry is set in CONNECT" applies. */
        public boolean noSessionExpiry() {
            return sessionExpiryInterval <= -1;
        }
    }

    /**
     * {@code consumer}: the topic filter to consume and the QoS of the subscription;
     * {@code retainedSnapshot} (Tern addition, gap 1): a new consumer session first gets the retained
     * messages matching its filter, which a shared subscription never delivers.
     */
    public record Consumer(boolean enabled, String topic, Qos qos, boolean retainedSnapshot) {
        public static final Consumer DISABLED = new Consumer(false, null, Qos.AT_LEAST_ONCE, false);
    }

    /** {@code producer}: where and how each message is published. {@code messageExpiryInterval} -1 = none. */
    public record Producer(boolean enabled, String topic, boolean retained, String responseTopic,
                           long messageExpiryInterval, Qos qos) {
        public static final Producer DISABLED = new Producer(false, null, false, null, -1, Qos.AT_LEAST_ONCE);
    }

    /** {@code security}: both parts optional. */
    public record Security(Auth auth, Ssl ssl) {
        public static final Security NONE = new Security(null, null);
    }

    /** {@code security.auth}: CONNECT simple authentication. */
    public record Auth(String username, String password) {
        @Override
        public String toString() {
            return "Auth[username=" + username + ", password=" + (password == null ? "none" : "***") + "]";
        }
    }

    /** {@code security.ssl}: TLS to the broker; null stores mean the JVM's default trust and no client certificate. */
    public record Ssl(boolean hostnameVerifier, Store trustStore, Store keyStore) {
    }

    /**
     * A trust store or key store: PEM, JKS or PKCS12, by path or by base64 content. {@code alias}
     * (JKS/PKCS12 key stores only) names the key entry to present; {@code where} is the store's JSON
     * path in the configuration, so an error found when it is loaded can name it.
     */
    public record Store(StoreType type, String path, String content, String password, String certPath,
                        String certContent, String keyPath, String keyContent, String keyPassword, String alias,
                        String where) {
        @Override
        public String toString() {
            return "Store[type=" + type + ", path=" + path + ", certPath=" + certPath + ", keyPath=" + keyPath
                + ", alias=" + alias + "]";
        }
    }

    public enum StoreType { PEM, JKS, PKCS12 }

    /**
     * Tern addition: the delay before reconnect attempt n is {@code min(initialDelayMs * 2^(n-1), maxDelayMs)}
     * (the HiveMQ client's own defaults: 1 s doubling to 120 s).
     */
    public record ReconnectBackoff(long initialDelayMs, long maxDelayMs) {
        public static final ReconnectBackoff DEFAULT = new ReconnectBackoff(1_000, 120_000);

        public long delayMs(int attempt) {
            long d = initialDelayMs;
            for (int i = 1; i < attempt && d < maxDelayMs; i++) {
                d *= 2;
            }
            return Math.min(d, maxDelayMs);
        }
    }
}
