package dev.tern.gateway.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.Mqtt5EndpointConfig;
import dev.tern.gateway.config.Mqtt5EndpointConfig.SharedConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One MQTT 5 client of the gateway toward its endpoint, with the reference's reconnect policy:
 * after a connection that was up is lost, up to {@code reconnectAttempts} reconnects with back-off
 * ({@code reconnectBackoff}), each resuming the session (clean start 0) and resubscribing when the
 * broker lost it; when they are used up the flow fails with FAILURE_ENDPOINT_CONNECTION_CLOSED. The
 * first connect fails fast: the HTTP caller gets FAILURE_ENDPOINT_CONNECTION_FAILED at once rather
 * than after the back-off.
 *
 * <p>Threading: the HiveMQ client calls listeners on its own threads; {@link Events} callbacks
 * therefore run there and must hop to their own context.
 */
public final class EndpointConnection {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointConnection.class);

    /** What the owner hears about: connected (again), and given up. */
    public interface Events {
        default void connected(boolean sessionPresent, boolean reconnect) {
        }

        default void reconnecting(int attempt, long delayMs, Throwable cause) {
        }

        /** The connection is gone for good (attempts used up, or the broker refused a reconnect). */
        default void closed(GatewayException failure) {
        }
    }

    /**
     * Announce no Receive Maximum (the client's 65535): for clients that get no QoS 1/2 message to hold
     * (the publisher, the retained snapshot's QoS 0 subscription).
     */
    public static final int NO_RECEIVE_MAXIMUM = 0;

    /** How this client connects. */
    public record Options(boolean cleanStart, long sessionExpiryInterval, int receiveMaximum) {
    }

    private final Mqtt5EndpointConfig endpoint;
    private final String clientId;
    private final Options options;
    private final Events events;
    private final Mqtt5AsyncClient client;
    private volatile boolean everConnected;
    private volatile boolean announceReceiveMaximum;
    private volatile int connections;
    private volatile boolean closing;
    private volatile GatewayException closedWith;

    public EndpointConnection(Mqtt5EndpointConfig endpoint, String clientId, Options options, Events events) {
        this.endpoint = endpoint;
        this.clientId = clientId;
        this.options = options;
        this.events = events;
        this.announceReceiveMaximum = options.receiveMaximum() > 0;
        this.client = build();
    }

    /** {@code prefix} + the first block of a random UUID, as the reference names its clients. */
    public static String randomClientId(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    /** {@code prefix} + the first block of a UUID derived from {@code seed}: stable across gateway restarts. */
    public static String stableClientId(String prefix, String seed) {
        return prefix + UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString().substring(0, 8);
    }

    public String clientId() {
        return clientId;
    }

    public Mqtt5AsyncClient client() {
        return client;
    }

    public boolean isClosed() {
        return closedWith != null || closing;
    }

    public boolean isConnected() {
        return client.getState().isConnected();
    }

    private Mqtt5AsyncClient build() {
        SharedConfiguration shared = endpoint.shared();
        Mqtt5ClientBuilder b = MqttClient.builder().useMqttVersion5()
            .identifier(clientId)
            .serverHost(endpoint.serverHost())
            .serverPort(endpoint.serverPort());
        Mqtt5EndpointConfig.Security security = shared.security();
        if (security.ssl() != null) {
            b.sslConfig(ssl(security.ssl()));
        }
        if (security.auth() != null && security.auth().username() != null) {
            Mqtt5SimpleAuth auth = Mqtt5SimpleAuth.builder()
                .username(security.auth().username())
                .password(security.auth().password() == null ? new byte[0]
                    : security.auth().password().getBytes(StandardCharsets.UTF_8))
                .build();
            b.simpleAuth(auth);
        }
        b.addConnectedListener(ctx -> {
            boolean reconnect = everConnected;
            everConnected = true;
            connections++; // before the PUBLISHes this connection brings are read: see connections()
            boolean present = ctx instanceof com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext c5
                && c5.getConnAck().isSessionPresent();
            if (reconnect) {
                LOG.info("MQTT client {} reconnected to {}:{} (session present: {})", clientId, endpoint.serverHost(),
                    endpoint.serverPort(), present);
            }
            events.connected(present, reconnect);
        });
        b.addDisconnectedListener(ctx -> onDisconnected((Mqtt5ClientDisconnectedContext) ctx));
        return b.buildAsync();
    }

    /** Loads the stores once, so a wrong password or a bad file stops the gateway at start, not at the first request. */
    public static void checkSsl(Mqtt5EndpointConfig.Ssl ssl) {
        ssl(ssl);
    }

    private static MqttClientSslConfig ssl(Mqtt5EndpointConfig.Ssl ssl) {
        try {
            MqttClientSslConfigBuilder b = MqttClientSslConfig.builder();
            if (ssl.trustStore() != null) {
                b = b.trustManagerFactory(TlsStores.trustManagers(ssl.trustStore()));
            }
            if (ssl.keyStore() != null) {
                b = b.keyManagerFactory(TlsStores.keyManagers(ssl.keyStore()));
            }
            if (!ssl.hostnameVerifier()) {
                b = b.hostnameVerifier((host, session) -> true);
            }
            return b.build();
        } catch (Exception e) {
            throw new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_FAILED,
                "security.ssl cannot be used: " + e.getMessage(), e);
        }
    }

    private void onDisconnected(Mqtt5ClientDisconnectedContext ctx) {
        if (ctx.getSource() == MqttDisconnectSource.USER || closing) {
            return;
        }
        int limit = endpoint.shared().reconnectAttempts();
        int attempts = ctx.getReconnector().getAttempts();
        if (!everConnected) {
            return; // first connect: connect() reports the failure
        }
        if (announceReceiveMaximum && receiveMaximumExceeded(ctx)) {
            // [MQTT-3.3.4-9] a broker must not send more unacknowledged QoS 1/2 PUBLISHes than the Receive
            // Maximum in CONNECT; Mosquitto 2.0.11 (Debian 12) ignores it, and the HiveMQ client then disconnects.
            // Rather than a reconnect (and redelivery) per burst, connect again at once without announcing one:
            // the broker was not holding the rest anyway. Not counted as one of the reconnectAttempts.
            announceReceiveMaximum = false;
            LOG.warn("MQTT client {}: {}:{} sent more unacknowledged QoS 1/2 messages than the Receive Maximum {} announced"
                + " in CONNECT (MQTT-3.3.4-9); reconnecting without one, so what waits in the gateway is no longer bounded"
                + " by the broker (consumerBufferSize, docs/gateway.md)", clientId, endpoint.serverHost(), endpoint.serverPort(),
                options.receiveMaximum());
            ctx.getReconnector().reconnect(true)
                .delay(0, TimeUnit.MILLISECONDS)
                .resubscribeIfSessionExpired(true)
                .connect(connect(false));
            events.reconnecting(attempts + 1, 0, ctx.getCause());
            return;
        }
        if (attempts < limit) {
            long delay = endpoint.shared().reconnectBackoff().delayMs(attempts + 1);
            ctx.getReconnector().reconnect(true)
                .delay(delay, TimeUnit.MILLISECONDS)
                .resubscribeIfSessionExpired(true)
                .connect(connect(false));
            if (attempts == 0) {
                LOG.warn("MQTT client {} lost its connection to {}:{} ({}); reconnecting ({} attempts at most)", clientId,
                    endpoint.serverHost(), endpoint.serverPort(), describe(ctx.getCause()), limit);
            }
            events.reconnecting(attempts + 1, delay, ctx.getCause());
            return;
        }
        // The connection was up during the flow and is gone for good: the reference's "broker DISCONNECT during
        // the flow" (seed-systems-notes §1.6), CONNECTION_CLOSED, whatever the last reconnect attempt ran into
        // (refused, TLS, a CONNACK error: the cause below says which). CONNECTION_FAILED is for a first connect.
        GatewayException failure = new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_CLOSED,
            "MQTT client " + clientId + " lost its connection to "
            + endpoint.serverHost() + ":" + endpoint.serverPort() + " and gave up after " + attempts
            + " reconnect attempt(s): " + describe(ctx.getCause()), ctx.getCause());
        closedWith = failure;
        LOG.warn(failure.getMessage());
        events.closed(failure);
    }

    /** The client itself disconnected because the broker exceeded the Receive Maximum announced in CONNECT. */
    private static boolean receiveMaximumExceeded(Mqtt5ClientDisconnectedContext ctx) {
        return ctx.getSource() == MqttDisconnectSource.CLIENT && ctx.getCause() instanceof Mqtt5DisconnectException d
            && d.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED;
    }

    /**
     * How many times this client has connected so far. It goes up while the CONNACK is handled, before
     * any PUBLISH of that connection is read, so a message callback that reads it gets the number of the
     * connection the message came on (or, for a callback running late, a later one: never an earlier one).
     */
    public int connections() {
        return connections;
    }

    /** True while the connection announces {@link Options#receiveMaximum()} (until the broker showed it ignores it). */
    public boolean announcesReceiveMaximum() {
        return announceReceiveMaximum;
    }

    private static String describe(Throwable t) {
        return t == null ? "no cause" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private Mqtt5Connect connect(boolean first) {
        Mqtt5ConnectBuilder b = Mqtt5Connect.builder()
            .cleanStart(first && options.cleanStart())
            .keepAlive(60);
        if (options.sessionExpiryInterval() > 0) {
            b.sessionExpiryInterval(options.sessionExpiryInterval());
        }
        if (announceReceiveMaximum) {
            b.restrictions().receiveMaximum(Math.min(65535, options.receiveMaximum())).applyRestrictions();
        }
        return b.build();
    }

    /** Connects once; a failure completes exceptionally with FAILURE_ENDPOINT_CONNECTION_FAILED. */
    public CompletableFuture<Void> connect() {
        return client.connect(connect(true)).handle((ack, err) -> {
            if (err != null) {
                closedWith = new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_FAILED,
                    "cannot connect to " + endpoint.serverHost() + ":" + endpoint.serverPort() + ": " + describe(unwrap(err)), unwrap(err));
                throw closedWith;
            }
            return null;
        });
    }

    /** Disconnects; with {@code discardSession} the broker drops the session at once (Session Expiry 0 in DISCONNECT). */
    public CompletableFuture<Void> disconnect(boolean discardSession) {
        closing = true;
        if (!client.getState().isConnectedOrReconnect()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = discardSession && options.sessionExpiryInterval() > 0
            ? client.disconnectWith().sessionExpiryInterval(0).send()
            : client.disconnect();
        return f.handle((v, e) -> null);
    }

    /** Runs {@code action} if the connection is closed for good, with the failure. */
    public void ifClosed(Consumer<GatewayException> action) {
        GatewayException g = closedWith;
        if (g != null) {
            action.accept(g);
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
            && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
