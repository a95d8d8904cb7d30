package dev.tern.connectors.internal;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.tern.connectors.MqttConnectOptions;
import dev.tern.connectors.MqttMessage;
import dev.tern.connectors.Subscription;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** {@link ClientConnection} over MQTT 5. */
final class Mqtt5Connection extends ClientConnection {
    /** CONNACK refusals that a later attempt with the same CONNECT may get past (section 3.2.2.2). */
    private static final Set<Mqtt5ConnAckReasonCode> TRANSIENT = EnumSet.of(
        Mqtt5ConnAckReasonCode.UNSPECIFIED_ERROR,
        Mqtt5ConnAckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR,
        Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE,
        Mqtt5ConnAckReasonCode.SERVER_BUSY,
        Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED,
        Mqtt5ConnAckReasonCode.USE_ANOTHER_SERVER,
        Mqtt5ConnAckReasonCode.SERVER_MOVED,
        Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED);

    private final Mqtt5Client client;
    private volatile int lastSendMaximum;

    Mqtt5Connection(BrokerUri uri, String clientId, MqttConnectOptions options, Events events) {
        super(uri, clientId, options, events);
        this.client = clientBuilder().useMqttVersion5().build();
    }

    @Override
    public void receive(Inbound inbound) {
        client.toRx().publishes(MqttGlobalPublishFilter.ALL, true)
            .map(p -> new Received(p.getTopic().toString(), toMessage(p), p::acknowledge))
            .subscribe(inbound);
    }

    @Override
    protected CompletableFuture<Void> startConnect() {
        Mqtt5ConnectBuilder.Send<CompletableFuture<Mqtt5ConnAck>> connect =
            client.toAsync().connectWith()
                .cleanStart(!options.isKeepSession())
                .sessionExpiryInterval(options.isKeepSession() ? options.getSessionExpiryInterval() : 0)
                .keepAlive(options.getKeepAliveSeconds())
                .restrictions()
                    .receiveMaximum(options.getReceiveMaximum())
                    .sendMaximum(Math.min(65_535, options.getMaxInflight()))
                    .applyRestrictions();
        Mqtt5SimpleAuthBuilder.Complete auth = null;
        if (options.getUserName() != null) {
            auth = Mqtt5SimpleAuth.builder().username(options.getUserName());
        }
        if (options.getPassword() != null) {
            byte[] pw = utf8(options.getPassword());
            auth = auth == null ? Mqtt5SimpleAuth.builder().password(pw) : auth.password(pw);
        }
        if (auth != null) {
            connect.simpleAuth(auth.build());
        }
        return connect.send().thenApply(ack -> null);
    }

    @Override
    public CompletableFuture<Void> subscribe(List<Subscription> subscriptions) {
        List<Mqtt5Subscription> subs = new ArrayList<>();
        for (Subscription s : subscriptions) {
            subs.add(Mqtt5Subscription.builder()
                .topicFilter(s.getTopic())
                .qos(MqttQos.fromCode(s.getQualityOfService().getQos()))
                // a kept session already has the subscription: do not get the retained messages again
                // on every job restart ([MQTT-3.3.1-10], Retain Handling 1)
                .retainHandling(options.isKeepSession()
                    ? Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST : Mqtt5RetainHandling.SEND)
                .build());
        }
        Mqtt5Subscribe subscribe = Mqtt5Subscribe.builder().addSubscriptions(subs).build();
        return client.toAsync().subscribe(subscribe).handle((ack, error) -> {
            if (error != null) {
                Throwable e = unwrap(error);
                if (e instanceof Mqtt5SubAckException sae) {
                    throw new IllegalStateException(refused(subscriptions, sae.getMqttMessage()), e);
                }
                throw new IllegalStateException("SUBSCRIBE to " + subscriptions + " failed: " + e, e);
            }
            if (ack.getReasonCodes().stream().anyMatch(Mqtt5SubAckReasonCode::isError)) {
                throw new IllegalStateException(refused(subscriptions, ack));
            }
            return null;
        });
    }

    private String refused(List<Subscription> subscriptions, Mqtt5SubAck ack) {
        StringBuilder sb = new StringBuilder("the broker " + uri + " refused the subscription:");
        List<Mqtt5SubAckReasonCode> codes = ack.getReasonCodes();
        for (int i = 0; i < subscriptions.size() && i < codes.size(); i++) {
            if (codes.get(i).isError()) {
                sb.append(' ').append(subscriptions.get(i).getTopic()).append(" -> ").append(codes.get(i))
                    .append(String.format(" (0x%02X)", codes.get(i).getCode()));
            }
        }
        ack.getReasonString().ifPresent(r -> sb.append(", reason: ").append(r));
        return sb.toString();
    }

    @Override
    public CompletableFuture<Void> publish(String topic, MqttMessage m) {
        Mqtt5PublishBuilder.Complete b = Mqtt5Publish.builder()
            .topic(topic)
            .qos(MqttQos.fromCode(m.qos().getQos()))
            .retain(m.retain())
            .payload(m.payload());
        if (m.contentType() != null) {
            b.contentType(m.contentType());
        }
        if (m.responseTopic() != null) {
            b.responseTopic(m.responseTopic());
        }
        if (m.correlationData() != null) {
            b.correlationData(m.correlationData());
        }
        m.messageExpiryInterval().ifPresent(b::messageExpiryInterval);
        if (m.payloadUtf8()) {
            b.payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8);
        }
        if (!m.userProperties().isEmpty()) {
            Mqtt5UserPropertiesBuilder props = Mqtt5UserProperties.builder();
            m.userProperties().forEach(p -> props.add(p.name(), p.value()));
            b.userProperties(props.build());
        }
        return client.toAsync().publish(b.build()).thenApply(result -> {
            result.getError().ifPresent(e -> {
                throw new java.util.concurrent.CompletionException(e);
            });
            return null;
        });
    }

    @Override
    protected CompletableFuture<Void> disconnect() {
        return client.toAsync().disconnect();
    }

    @Override
    public int sendMaximum() {
        client.getConfig().getConnectionConfig()
            .ifPresent(c -> lastSendMaximum = c.getRestrictionsForClient().getSendMaximum());
        return lastSendMaximum > 0 ? lastSendMaximum : Math.min(65_535, options.getMaxInflight());
    }

    @Override
    protected boolean permanent(Throwable cause) {
        Throwable c = unwrap(cause);
        return c instanceof Mqtt5ConnAckException e && !TRANSIENT.contains(e.getMqttMessage().getReasonCode());
    }

    @Override
    protected Throwable describe(Throwable cause) {
        Throwable c = unwrap(cause);
        if (c instanceof Mqtt5ConnAckException e) {
            var ack = e.getMqttMessage();
            return new IllegalStateException("the broker " + uri + " refused the connection of " + clientId + ": "
                + ack.getReasonCode() + String.format(" (0x%02X)", ack.getReasonCode().getCode())
                + ack.getReasonString().map(r -> ", reason: " + r).orElse(""), c);
        }
        return c;
    }

    /** True for a PUBACK/PUBREC with an error reason: the broker will refuse the same message again. */
    static boolean refusedByBroker(Throwable t) {
        Throwable c = unwrap(t);
        return c instanceof Mqtt5PubAckException || c instanceof Mqtt5PubRecException;
    }

    private static MqttMessage toMessage(Mqtt5Publish p) {
        MqttMessage.Builder b = MqttMessage.builder()
            .payload(p.getPayloadAsBytes())
            .qos(p.getQos().getCode())
            .retain(p.isRetain());
        p.getContentType().ifPresent(c -> b.contentType(c.toString()));
        p.getResponseTopic().ifPresent(t -> b.responseTopic(t.toString()));
        p.getCorrelationData().ifPresent(d -> b.correlationData(bytes(d)));
        p.getMessageExpiryInterval().ifPresent(b::messageExpiryInterval);
        p.getPayloadFormatIndicator().ifPresent(f -> b.payloadUtf8(f == Mqtt5PayloadFormatIndicator.UTF_8));
        p.getUserProperties().asList().forEach(u -> b.userProperty(u.getName().toString(), u.getValue().toString()));
        return b.build();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer dup = buffer.duplicate();
        byte[] out = new byte[dup.remaining()];
        dup.get(out);
        return out;
    }
}
