package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5WillPublish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** {@link TestClient} on the HiveMQ MQTT client speaking MQTT 5. */
final class HiveMq5TestClient implements TestClient {
    private final String id;
    private final Mqtt5BlockingClient client;
    private final List<Msg> received = new CopyOnWriteArrayList<>();

    HiveMq5TestClient(String id, int port, boolean webSocket) {
        this.id = id;
        var builder = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port);
        if (webSocket) {
            builder = builder.webSocketConfig().serverPath("mqtt").applyWebSocketConfig();
        }
        this.client = builder.buildBlocking();
        // ALL also sees messages for subscriptions a previous connection of this session made
        client.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> received.add(new Msg(p.getTopic().toString(),
            new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), p.getQos().getCode(), p.isRetain())));
    }

    @Override
    public Kind kind() {
        return Kind.HIVEMQ_V5;
    }

    @Override
    public String clientId() {
        return id;
    }

    @Override
    public boolean connect(boolean persistent, Will will) {
        Mqtt5ConnectBuilder b = Mqtt5Connect.builder().cleanStart(!persistent)
            .sessionExpiryInterval(persistent ? PERSISTENT_EXPIRY : 0);
        if (will != null) {
            b.willPublish(Mqtt5WillPublish.builder().topic(will.topic())
                .payload(will.payload().getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.fromCode(will.qos())).retain(will.retain()).build());
        }
        return client.connect(b.build()).isSessionPresent();
    }

    @Override
    public int subscribe(String filter, int qos) {
        Mqtt5SubAck ack = client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send();
        return ack.getReasonCodes().get(0).getCode();
    }

    @Override
    public void unsubscribe(String filter) {
        client.unsubscribeWith().topicFilter(filter).send();
    }

    @Override
    public void publish(String topic, String payload, int qos, boolean retain) {
        client.publishWith().topic(topic).payload(payload.getBytes(StandardCharsets.UTF_8))
            .qos(MqttQos.fromCode(qos)).retain(retain).send();
    }

    @Override
    public List<Msg> received() {
        return List.copyOf(received);
    }

    @Override
    public void disconnect() {
        client.disconnect();
    }

    @Override
    public boolean isConnected() {
        return client.getState().isConnected();
    }

    @Override
    public void close() {
        if (client.getState().isConnectedOrReconnect()) {
            try {
                client.disconnect();
            } catch (RuntimeException ignored) {
                // the connection went away meanwhile
            }
        }
    }

    Mqtt5BlockingClient client() {
        return client;
    }
}
