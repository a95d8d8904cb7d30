package dev.tern.connectors.test;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A plain MQTT 5 client for tests: publishes what a source should receive, collects what a sink sent. */
public final class TestClient implements AutoCloseable {
    private final Mqtt5BlockingClient client;
    private final Queue<String> received = new ConcurrentLinkedQueue<>();
    private final Queue<Mqtt5Publish> publishes = new ConcurrentLinkedQueue<>();

    private TestClient(String brokerUri, String clientId, boolean cleanStart, String user, String password) {
        URI u = URI.create(brokerUri);
        client = MqttClient.builder().useMqttVersion5()
            .identifier(clientId)
            .serverHost(u.getHost()).serverPort(u.getPort())
            .buildBlocking();
        client.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> {
            publishes.add(p);
            received.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
        });
        var connect = client.connectWith().cleanStart(cleanStart);
        if (user != null) {
            connect.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        connect.send();
    }

    public static TestClient connect(String brokerUri) {
        return new TestClient(brokerUri, "test-" + UUID.randomUUID(), true, null, null);
    }

    public static TestClient connect(String brokerUri, String user, String password) {
        return new TestClient(brokerUri, "test-" + UUID.randomUUID(), true, user, password);
    }

    /**
     * Takes over the kept session of {@code clientId} (clean start 0; the session ends when this
     * client disconnects): receives what the broker redelivers from it and what its subscriptions match.
     */
    public static TestClient resumeSession(String brokerUri, String clientId) {
        return new TestClient(brokerUri, clientId, false, null, null);
    }

    public void publish(String topic, String payload, int qos) {
        publish(topic, payload, qos, false);
    }

    public void publish(String topic, String payload, int qos, boolean retain) {
        client.publish(Mqtt5Publish.builder().topic(topic).qos(MqttQos.fromCode(qos)).retain(retain)
            .payload(payload.getBytes(StandardCharsets.UTF_8)).build());
    }

    /** Publishes asynchronously and waits for all acknowledgements: fast bursts for the tests. */
    public void publishAll(String topic, List<String> payloads, int qos) {
        var futures = payloads.stream().map(p -> client.toAsync().publish(Mqtt5Publish.builder().topic(topic)
            .qos(MqttQos.fromCode(qos)).payload(p.getBytes(StandardCharsets.UTF_8)).build())).toList();
        futures.forEach(f -> f.join().getError().ifPresent(e -> {
            throw new IllegalStateException(e);
        }));
    }

    public void subscribe(String filter, int qos) {
        client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send();
    }

    public Queue<String> received() {
        return received;
    }

    /** Distinct payloads received so far. */
    public long distinct() {
        return received.stream().distinct().count();
    }

    public Queue<Mqtt5Publish> publishes() {
        return publishes;
    }

    @Override
    public void close() {
        try {
            client.disconnect();
        } catch (RuntimeException ignored) {
            // already disconnected (the broker went away)
        }
    }
}
