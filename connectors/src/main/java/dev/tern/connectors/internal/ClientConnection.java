package dev.tern.connectors.internal;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
import com.hivemq.client.mqtt.MqttWebSocketConfig;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import dev.tern.connectors.MqttConnectOptions;
import dev.tern.connectors.MqttMessage;
import dev.tern.connectors.MqttVersion;
import dev.tern.connectors.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One MQTT client connection of a source or sink processor, over MQTT 5 or 3.1.1 (HiveMQ client),
 * with the reconnect policy the connectors promise:
 * <ul>
 *   <li>a refusal that retrying cannot fix (bad credentials, not authorized, banned, bad client id,
 *       unsupported protocol) is reported through {@link Events#failed} at once, even with
 *       autoReconnect: a job with a wrong password fails instead of retrying forever;</li>
 *   <li>any other loss of the connection is retried with exponential back-off when autoReconnect
 *       is on (also when the first connect fails), and reported through {@link Events#failed}
 *       when it is off: the connector never silently stops.</li>
 * </ul>
 * After a reconnect whose session is gone the client subscribes again by itself.
 */
public abstract class ClientConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);

    /** What the owner of the connection is told. Called on the client's event loop: do not block. */
    public interface Events {
        default void connected() {
        }

        default void reconnecting(Throwable cause, long delayMillis) {
        }

        /** The connection is gone for good; the owner should fail with this. */
        void failed(Throwable cause);

        /**
         * The connection dropped (or a connect failed) for a reason a retry may fix, and autoReconnect
         * is off. By default that is a failure; a sink with a retry strategy reconnects instead.
         */
        default void lost(Throwable cause) {
            failed(cause);
        }
    }

    protected final BrokerUri uri;
    protected final String clientId;
    protected final MqttConnectOptions options;
    private final Events events;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean connected;
    private volatile boolean everConnected;

    protected ClientConnection(BrokerUri uri, String clientId, MqttConnectOptions options, Events events) {
        this.uri = uri;
        this.clientId = clientId;
        this.options = options;
        this.events = events;
    }

    public static ClientConnection create(BrokerUri uri, String clientId, MqttConnectOptions options, Events events) {
        return options.getMqttVersion() == MqttVersion.MQTT_5_0
            ? new Mqtt5Connection(uri, clientId, options, events)
            : new Mqtt3Connection(uri, clientId, options, events);
    }

    /** Routes every received message (of any subscription) to {@code inbound}, acknowledged manually. Call before connect. */
    public abstract void receive(Inbound inbound);

    /**
     * Starts connecting (again, after a loss without autoReconnect); failures also arrive through
     * {@link Events}. The future completes when connected.
     */
    public final CompletableFuture<Void> connect() {
        CompletableFuture<Void> f = startConnect();
        f.whenComplete((ok, error) -> {
            if (error != null && !options.isAutoReconnect() && !closing.get()) {
                Throwable cause = describe(unwrap(error));
                if (permanent(error)) {
                    events.failed(cause);
                } else {
                    events.lost(cause);
                }
            }
        });
        return f;
    }

    protected abstract CompletableFuture<Void> startConnect();

    /**
     * Subscribes (may be called before the connection is up; the client sends it once connected).
     * The future fails with a message naming each refused filter.
     */
    public abstract CompletableFuture<Void> subscribe(List<Subscription> subscriptions);

    /** Publishes; the future completes when the broker acknowledged (QoS 1/2) or the message was written (QoS 0). */
    public abstract CompletableFuture<Void> publish(String topic, MqttMessage message);

    protected abstract CompletableFuture<Void> disconnect();

    /**
     * How many QoS 1/2 publishes the client may have unacknowledged at once on the current (or, while
     * reconnecting, the last) connection: MQTT 5, the smaller of our send maximum and the broker's
     * Receive Maximum [MQTT-3.3.4-7]; MQTT 3.1.1 has no such limit. The HiveMQ client queues
     * publishes beyond it and makes the publishing thread wait once 64 are queued, so a caller that
     * must not block keeps no more outstanding than this.
     */
    public abstract int sendMaximum();

    /** True when the failure is a refusal that reconnecting with the same settings cannot fix. */
    protected abstract boolean permanent(Throwable cause);

    /** A readable exception for a client failure (CONNACK reason codes spelled out). */
    protected abstract Throwable describe(Throwable cause);

    public boolean isConnected() {
        return connected;
    }

    public String clientId() {
        return clientId;
    }

    /** Disconnects normally (a kept session stays on the broker) and waits up to 5 s. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        try {
            disconnect().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("disconnect of {} from {} did not complete cleanly: {}", clientId, uri, e.toString());
        }
    }

    protected final MqttClientBuilder clientBuilder() {
        MqttClientTransportConfigBuilder transport = MqttClientTransportConfig.builder()
            .serverHost(uri.host())
            .serverPort(uri.port())
            .socketConnectTimeout(options.getConnectTimeoutMillis(), TimeUnit.MILLISECONDS)
            .mqttConnectTimeout(options.getConnectTimeoutMillis(), TimeUnit.MILLISECONDS);
        if (uri.tls()) {
            transport.sslConfig(sslConfig());
        }
        if (uri.webSocket()) {
            transport.webSocketConfig(MqttWebSocketConfig.builder().serverPath(uri.path().replaceFirst("^/+", "")).build());
        }
        return MqttClient.builder()
            .identifier(clientId)
            .transportConfig(transport.build())
            .addConnectedListener(this::onConnected)
            .addDisconnectedListener(this::onDisconnected);
    }

    private void onConnected(MqttClientConnectedContext context) {
        if (closing.get()) {
            // close() came while a (re)connect was under way: the client then answers "not connected"
            // and goes on with the scheduled attempt, which would leave a connection nobody owns
            LOG.debug("{} connected to {} after close(): disconnecting", clientId, uri);
            disconnect();
            return;
        }
        connected = true;
        everConnected = true;
        LOG.debug("{} connected to {}", clientId, uri);
        events.connected();
    }

    private void onDisconnected(MqttClientDisconnectedContext context) {
        connected = false;
        if (closing.get() || context.getSource() == MqttDisconnectSource.USER) {
            return;
        }
        Throwable cause = context.getCause();
        if (permanent(cause)) {
            LOG.warn("{}: {} refused the connection, not retrying: {}", clientId, uri, describe(cause).getMessage());
            events.failed(describe(cause));
        } else if (options.isAutoReconnect()) {
            int attempt = context.getReconnector().getAttempts();
            long delay = backoff(attempt);
            LOG.info("{}: connection to {} lost or refused ({}), reconnecting in {} ms (attempt {})",
                clientId, uri, cause.toString(), delay, attempt + 1);
            // the session may be gone after the reconnect (broker restart, expiry): subscribe again and
            // hand unacknowledged publishes to the new session rather than failing them
            context.getReconnector().reconnect(true).resubscribeIfSessionExpired(true).republishIfSessionExpired(true)
                .delay(delay, TimeUnit.MILLISECONDS);
            events.reconnecting(cause, delay);
        } else {
            events.lost(new IllegalStateException("MQTT connection of " + clientId + " to " + uri
                + (everConnected ? " lost" : " could not be made") + " and autoReconnect is off: "
                + describe(cause).getMessage(), cause));
        }
    }

    long backoff(int attempt) {
        long delay = options.getReconnectInitialDelayMillis();
        for (int i = 0; i < attempt && delay < options.getReconnectMaxDelayMillis(); i++) {
            delay *= 2;
        }
        return Math.min(delay, options.getReconnectMaxDelayMillis());
    }

    protected static byte[] utf8(char[] chars) {
        ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    protected static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
            && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private MqttClientSslConfig sslConfig() {
        MqttClientSslConfigBuilder ssl = MqttClientSslConfig.builder();
        try {
            if (options.getTrustStorePath() != null) {
                KeyStore ks = load(options.getTrustStorePath(), options.getTrustStorePassword(), options.getTrustStoreType());
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                ssl.trustManagerFactory(tmf);
            }
            if (options.getKeyStorePath() != null) {
                KeyStore ks = load(options.getKeyStorePath(), options.getKeyStorePassword(), options.getKeyStoreType());
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, options.getKeyStorePassword());
                ssl.keyManagerFactory(kmf);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the TLS key or trust store for " + uri + ": " + e.getMessage(), e);
        }
        if (!options.isHostnameVerification()) {
            ssl.hostnameVerifier((host, session) -> true);
        }
        return ssl.build();
    }

    private static KeyStore load(String path, char[] password, String type) throws Exception {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            ks.load(in, password);
        }
        return ks;
    }
}
