package dev.tern.connectors;

import com.hazelcast.function.SupplierEx;
import dev.tern.connectors.internal.BrokerUri;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Options common to {@link MqttSourceBuilder} and {@link MqttSinkBuilder}. */
public abstract class AbstractMqttBuilder<B extends AbstractMqttBuilder<B>> {
    static final String DEFAULT_BROKER = "tcp://localhost:1883";

    String broker = DEFAULT_BROKER;
    String clientId;
    String userName;
    char[] password;
    boolean authSet;
    boolean autoReconnect;
    boolean keepSession;
    SupplierEx<MqttConnectOptions> connectOptionsFn;

    AbstractMqttBuilder() {
    }

    @SuppressWarnings("unchecked")
    B self() {
        return (B) this;
    }

    /** Broker URI: {@code tcp://}, {@code ssl://}, {@code ws://} or {@code wss://}. Default {@code tcp://localhost:1883}. */
    public B broker(String brokerUri) {
        this.broker = brokerUri;
        return self();
    }

    /** Client identifier. Default: a random UUID, fixed when {@code build()} runs. */
    public B clientId(String clientId) {
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        return self();
    }

    /** User name and password for the broker. Default: none. */
    public B auth(String userName, char[] password) {
        this.userName = userName;
        this.password = password == null ? null : password.clone();
        this.authSet = true;
        return self();
    }

    /** Reconnect with back-off when the connection drops, instead of failing the job. Default off. */
    public B autoReconnect() {
        this.autoReconnect = true;
        return self();
    }

    /** Keep the broker session (and its queued QoS 1/2 messages) across connections. Default off (clean session). */
    public B keepSession() {
        this.keepSession = true;
        return self();
    }

    /**
     * Supplies every connection option at once (protocol version, keep alive, TLS, session expiry,
     * windows, and also user name, password, autoReconnect and keepSession). Called once, by {@code build()}.
     * Cannot be combined with {@link #auth}, {@link #autoReconnect} or {@link #keepSession}.
     */
    public B connectOptionsFn(SupplierEx<MqttConnectOptions> connectOptionsFn) {
        this.connectOptionsFn = Objects.requireNonNull(connectOptionsFn, "connectOptionsFn");
        return self();
    }

    BrokerUri brokerUri() {
        return BrokerUri.parse(broker);
    }

    String clientIdOrRandom() {
        if (clientId == null) {
            return UUID.randomUUID().toString();
        }
        if (clientId.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName()
                + ": clientId(\"\") is not allowed; leave clientId unset for a random one");
        }
        return clientId;
    }

    MqttConnectOptions options() {
        if (connectOptionsFn == null) {
            return new MqttConnectOptions()
                .setUserName(userName)
                .setPassword(password)
                .setAutoReconnect(autoReconnect)
                .setKeepSession(keepSession);
        }
        List<String> clashing = new ArrayList<>();
        if (authSet) {
            clashing.add("auth(...)");
        }
        if (autoReconnect) {
            clashing.add("autoReconnect()");
        }
        if (keepSession) {
            clashing.add("keepSession()");
        }
        if (!clashing.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + ": connectOptionsFn(...) replaces "
                + String.join(", ", clashing) + ": set them on the MqttConnectOptions instead");
        }
        MqttConnectOptions options = connectOptionsFn.get();
        if (options == null) {
            throw new IllegalStateException(getClass().getSimpleName() + ": connectOptionsFn(...) returned null");
        }
        return options.copy();
    }
}
