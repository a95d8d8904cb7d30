package dev.tern.connectors;

import java.io.Serializable;
import java.util.Objects;

/**
 * Everything about the client connection that the builders do not set one by one: protocol
 * version, keep alive, timeouts, session expiry, reconnect back-off, flow-control windows and TLS.
 * Hand one to a builder with {@code connectOptionsFn(() -> new MqttConnectOptions()...)}: it then
 * also carries the user name, password, {@code autoReconnect} and {@code keepSession}, and the
 * builder's own {@code auth}, {@code autoReconnect} and {@code keepSession} must not be used.
 *
 * <p>Defaults are listed in {@code docs/connectors.md}; every setter returns {@code this}.
 */
public final class MqttConnectOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Session Expiry Interval meaning "never" (MQTT 5, section 3.1.2.11.2). */
    public static final long SESSION_NEVER_EXPIRES = 0xFFFF_FFFFL;

    private MqttVersion mqttVersion = MqttVersion.MQTT_5_0;
    private String userName;
    private char[] password;
    private boolean keepSession;
    private long sessionExpiryInterval = SESSION_NEVER_EXPIRES;
    private boolean autoReconnect;
    private long reconnectInitialDelayMillis = 500;
    private long reconnectMaxDelayMillis = 30_000;
    private int keepAliveSeconds = 60;
    private long connectTimeoutMillis = 10_000;
    private int receiveMaximum = 65_535;
    private int maxInflight = 1_024;
    private String trustStorePath;
    private char[] trustStorePassword;
    private String trustStoreType = "PKCS12";
    private String keyStorePath;
    private char[] keyStorePassword;
    private String keyStoreType = "PKCS12";
    private boolean hostnameVerification = true;

    public MqttConnectOptions copy() {
        MqttConnectOptions c = new MqttConnectOptions();
        c.mqttVersion = mqttVersion;
        c.userName = userName;
        c.password = password == null ? null : password.clone();
        c.keepSession = keepSession;
        c.sessionExpiryInterval = sessionExpiryInterval;
        c.autoReconnect = autoReconnect;
        c.reconnectInitialDelayMillis = reconnectInitialDelayMillis;
        c.reconnectMaxDelayMillis = reconnectMaxDelayMillis;
        c.keepAliveSeconds = keepAliveSeconds;
        c.connectTimeoutMillis = connectTimeoutMillis;
        c.receiveMaximum = receiveMaximum;
        c.maxInflight = maxInflight;
        c.trustStorePath = trustStorePath;
        c.trustStorePassword = trustStorePassword == null ? null : trustStorePassword.clone();
        c.trustStoreType = trustStoreType;
        c.keyStorePath = keyStorePath;
        c.keyStorePassword = keyStorePassword == null ? null : keyStorePassword.clone();
        c.keyStoreType = keyStoreType;
        c.hostnameVerification = hostnameVerification;
        return c;
    }

    /** Default {@link MqttVersion#MQTT_5_0}. */
    public MqttConnectOptions setMqttVersion(MqttVersion mqttVersion) {
        this.mqttVersion = Objects.requireNonNull(mqttVersion, "mqttVersion");
        return this;
    }

    public MqttConnectOptions setUserName(String userName) {
        this.userName = userName;
        return this;
    }

    public MqttConnectOptions setPassword(char[] password) {
        this.password = password == null ? null : password.clone();
        return this;
    }

    /**
     * Keep the session on the broker between connections (MQTT 3.1.1 clean session 0, MQTT 5 clean
     * start 0 with {@link #setSessionExpiryInterval a session expiry}). Default false.
     */
    public MqttConnectOptions setKeepSession(boolean keepSession) {
        this.keepSession = keepSession;
        return this;
    }

    /**
     * MQTT 5 only: seconds the broker keeps a kept session after the connection ends. Default
     * {@link #SESSION_NEVER_EXPIRES}, matching MQTT 3.1.1's clean session 0. Ignored without keepSession.
     */
    public MqttConnectOptions setSessionExpiryInterval(long seconds) {
        if (seconds < 0 || seconds > SESSION_NEVER_EXPIRES) {
            throw new IllegalArgumentException("sessionExpiryInterval must be 0..4294967295 seconds, was " + seconds);
        }
        this.sessionExpiryInterval = seconds;
        return this;
    }

    /** Reconnect after the connection drops, with exponential back-off. Default false. */
    public MqttConnectOptions setAutoReconnect(boolean autoReconnect) {
        this.autoReconnect = autoReconnect;
        return this;
    }

    /** First reconnect delay; doubles up to {@link #setReconnectMaxDelayMillis}. Default 500 ms. */
    public MqttConnectOptions setReconnectInitialDelayMillis(long millis) {
        this.reconnectInitialDelayMillis = positive("reconnectInitialDelayMillis", millis);
        return this;
    }

    /** Default 30000 ms. */
    public MqttConnectOptions setReconnectMaxDelayMillis(long millis) {
        this.reconnectMaxDelayMillis = positive("reconnectMaxDelayMillis", millis);
        return this;
    }

    /** Seconds, 0 (off) .. 65535. Default 60. */
    public MqttConnectOptions setKeepAliveSeconds(int seconds) {
        if (seconds < 0 || seconds > 65_535) {
            throw new IllegalArgumentException("keepAliveSeconds must be 0..65535, was " + seconds);
        }
        this.keepAliveSeconds = seconds;
        return this;
    }

    /** TCP connect plus CONNACK wait. Default 10000 ms. */
    public MqttConnectOptions setConnectTimeoutMillis(long millis) {
        this.connectTimeoutMillis = positive("connectTimeoutMillis", millis);
        return this;
    }

    /**
     * MQTT 5 Receive Maximum sent in CONNECT: how many QoS 1/2 messages the broker may have
     * unacknowledged towards this client (1..65535, default 65535). A source acknowledges only
     * after Jet took the message (and, when fault tolerant, after the snapshot), so this is its
     * flow-control window and the bound of its buffer: when it is full the broker holds further
     * messages in its queue for the session. Lower it to bound the source's memory (at most this
     * many messages per source processor); when fault tolerant, at most this many messages can
     * pass between two snapshots.
     */
    public MqttConnectOptions setReceiveMaximum(int receiveMaximum) {
        if (receiveMaximum < 1 || receiveMaximum > 65_535) {
            throw new IllegalArgumentException("receiveMaximum must be 1..65535, was " + receiveMaximum);
        }
        this.receiveMaximum = receiveMaximum;
        return this;
    }

    /**
     * Sink only: publishes a sink processor has in flight (sent, not yet acknowledged) at once.
     * Default 1024; 1 publishes one message at a time in strict order.
     */
    public MqttConnectOptions setMaxInflight(int maxInflight) {
        if (maxInflight < 1) {
            throw new IllegalArgumentException("maxInflight must be at least 1, was " + maxInflight);
        }
        this.maxInflight = maxInflight;
        return this;
    }

    /** Trust store for ssl:// and wss:// (file path on every member). Default: the JVM's trust store. */
    public MqttConnectOptions setTrustStore(String path, char[] password, String type) {
        this.trustStorePath = path;
        this.trustStorePassword = password == null ? null : password.clone();
        this.trustStoreType = type == null ? "PKCS12" : type;
        return this;
    }

    /** Key store with the client certificate for mutual TLS. Default: none. */
    public MqttConnectOptions setKeyStore(String path, char[] password, String type) {
        this.keyStorePath = path;
        this.keyStorePassword = password == null ? null : password.clone();
        this.keyStoreType = type == null ? "PKCS12" : type;
        return this;
    }

    /** Check that the broker certificate names the host. Default true. */
    public MqttConnectOptions setHostnameVerification(boolean hostnameVerification) {
        this.hostnameVerification = hostnameVerification;
        return this;
    }

    private static long positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }

    public MqttVersion getMqttVersion() {
        return mqttVersion;
    }

    public String getUserName() {
        return userName;
    }

    public char[] getPassword() {
        return password == null ? null : password.clone();
    }

    public boolean isKeepSession() {
        return keepSession;
    }

    public long getSessionExpiryInterval() {
        return sessionExpiryInterval;
    }

    public boolean isAutoReconnect() {
        return autoReconnect;
    }

    public long getReconnectInitialDelayMillis() {
        return reconnectInitialDelayMillis;
    }

    public long getReconnectMaxDelayMillis() {
        return reconnectMaxDelayMillis;
    }

    public int getKeepAliveSeconds() {
        return keepAliveSeconds;
    }

    public long getConnectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    public int getReceiveMaximum() {
        return receiveMaximum;
    }

    public int getMaxInflight() {
        return maxInflight;
    }

    public String getTrustStorePath() {
        return trustStorePath;
    }

    public char[] getTrustStorePassword() {
        return trustStorePassword == null ? null : trustStorePassword.clone();
    }

    public String getTrustStoreType() {
        return trustStoreType;
    }

    public String getKeyStorePath() {
        return keyStorePath;
    }

    public char[] getKeyStorePassword() {
        return keyStorePassword == null ? null : keyStorePassword.clone();
    }

    public String getKeyStoreType() {
        return keyStoreType;
    }

    public boolean isHostnameVerification() {
        return hostnameVerification;
    }
}
