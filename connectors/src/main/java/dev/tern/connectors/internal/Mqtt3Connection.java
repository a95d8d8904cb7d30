package dev.tern.connectors.internal;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.auth.Mqtt3SimpleAuth;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3ConnectBuilder;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscription;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAck;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import dev.tern.connectors.MqttConnectOptions;
import dev.tern.connectors.MqttMessage;
import dev.tern.connectors.Subscription;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@link ClientConnection} over MQTT 3.1.1. Message properties are not carried (the protocol has
 * none); a kept session is clean session 0 and lives as long as the broker keeps such sessions.
 */
final class Mqtt3Connection extends ClientConnection {
    private final Mqtt3Client client;

    Mqtt3Connection(BrokerUri uri, String clientId, MqttConnectOptions options, Events events) {
        super(uri, clientId, options, events);
        this.client = clientBuilder().useMqttVersion3().build();
    }

    @Override
    public void receive(Inbound inbound) {
        client.toRx().publishes(MqttGlobalPublishFilter.ALL, true)
            .map(p -> new Received(p.getTopic().toString(), MqttMessage.builder()
                .payload(p.getPayloadAsBytes()).qos(p.getQos().getCode()).retain(p.isRetain()).build(),
                p::acknowledge))
            .subscribe(inbound);
    }

    @Override
    protected CompletableFuture<Void> startConnect() {
        Mqtt3ConnectBuilder.Send<CompletableFuture<Mqtt3ConnAck>> connect = client.toAsync().connectWith()
            .cleanSession(!options.isKeepSession())
            .keepAlive(options.getKeepAliveSeconds());
        if (options.getUserName() != null) {
            var auth = Mqtt3SimpleAuth.builder().username(options.getUserName());
            if (options.getPassword() != null) {
                auth.password(utf8(options.getPassword()));
            }
            connect.simpleAuth(auth.build());
        } else if (options.getPassword() != null) {
            // [MQTT-3.1.2-22] MQTT 3.1.1 allows no password without a user name
            CompletableFuture<Void> f = new CompletableFuture<>();
            f.completeExceptionally(new IllegalArgumentException(
                "MQTT 3.1.1 cannot send a password without a user name: set the user name in auth(...)"));
            return f;
        }
        return connect.send().thenApply(ack -> null);
    }

    @Override
    public CompletableFuture<Void> subscribe(List<Subscription> subscriptions) {
        List<Mqtt3Subscription> subs = new ArrayList<>();
        for (Subscription s : subscriptions) {
            subs.add(Mqtt3Subscription.builder()
                .topicFilter(s.getTopic())
                .qos(MqttQos.fromCode(s.getQualityOfService().getQos()))
                .build());
        }
        Mqtt3Subscribe subscribe = Mqtt3Subscribe.builder().addSubscriptions(subs).build();
        return client.toAsync().subscribe(subscribe).handle((ack, error) -> {
            if (error != null) {
                Throwable e = unwrap(error);
                if (e instanceof Mqtt3SubAckException sae) {
                    throw new IllegalStateException(refused(subscriptions, sae.getMqttMessage()), e);
                }
                throw new IllegalStateException("SUBSCRIBE to " + subscriptions + " failed: " + e, e);
            }
            if (ack.getReturnCodes().contains(Mqtt3SubAckReturnCode.FAILURE)) {
                throw new IllegalStateException(refused(subscriptions, ack));
            }
            return null;
        });
    }

    private String refused(List<Subscription> subscriptions, Mqtt3SubAck ack) {
        StringBuilder sb = new StringBuilder("the broker " + uri + " refused the subscription (SUBACK 0x80):");
        List<Mqtt3SubAckReturnCode> codes = ack.getReturnCodes();
        for (int i = 0; i < subscriptions.size() && i < codes.size(); i++) {
            if (codes.get(i) == Mqtt3SubAckReturnCode.FAILURE) {
                sb.append(' ').append(subscriptions.get(i).getTopic());
            }
        }
        return sb.toString();
    }

    @Override
    public CompletableFuture<Void> publish(String topic, MqttMessage m) {
        Mqtt3Publish publish = Mqtt3Publish.builder()
            .topic(topic)
            .qos(MqttQos.fromCode(m.qos().getQos()))
            .retain(m.retain())
            .payload(m.payload())
            .build();
        return client.toAsync().publish(publish).thenApply(p -> null);
    }

    /** MQTT 3.1.1 has no Receive Maximum: the HiveMQ client sends as many as it is given. */
    @Override
    public int sendMaximum() {
        return Integer.MAX_VALUE;
    }

    @Override
    protected CompletableFuture<Void> disconnect() {
        return client.toAsync().disconnect();
    }

    @Override
    protected boolean permanent(Throwable cause) {
        Throwable c = unwrap(cause);
        return c instanceof Mqtt3ConnAckException e
            && e.getMqttMessage().getReturnCode() != Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE;
    }

    @Override
    protected Throwable describe(Throwable cause) {
        Throwable c = unwrap(cause);
        if (c instanceof Mqtt3ConnAckException e) {
            Mqtt3ConnAckReturnCode code = e.getMqttMessage().getReturnCode();
            return new IllegalStateException("the broker " + uri + " refused the connection of " + clientId + ": "
                + code + " (0x0" + code.getCode() + ")", c);
        }
        return c;
    }
}
