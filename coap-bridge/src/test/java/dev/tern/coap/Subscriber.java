package dev.tern.coap;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** An MQTT 5 subscriber (HiveMQ client) that records what it receives. */
final class Subscriber implements AutoCloseable {
    private final Mqtt5AsyncClient client;
    final List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();

    private Subscriber(Mqtt5AsyncClient client) {
        this.client = client;
    }

    /** Connects to the broker on 127.0.0.1:{@code port} and subscribes to {@code filter} at QoS 2. */
    static Subscriber subscribe(int port, String clientId, String filter) throws Exception {
        Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(clientId)
            .serverHost("127.0.0.1").serverPort(port).buildAsync();
        c.connect().get(10, TimeUnit.SECONDS);
        Subscriber s = new Subscriber(c);
        c.subscribeWith().topicFilter(filter).qos(MqttQos.EXACTLY_ONCE).callback(s.received::add).send().get(10, TimeUnit.SECONDS);
        return s;
    }

    List<String> payloads() {
        return received.stream().map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).toList();
    }

    List<String> topics() {
        return received.stream().map(p -> p.getTopic().toString()).toList();
    }

    Mqtt5Publish last() {
        return received.get(received.size() - 1);
    }

    Mqtt5Publish withPayload(String payload) {
        return received.stream().filter(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8).equals(payload))
            .findFirst().orElseThrow();
    }

    @Override
    public void close() throws Exception {
        client.disconnect().get(10, TimeUnit.SECONDS);
    }
}
