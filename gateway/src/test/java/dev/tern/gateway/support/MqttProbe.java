package dev.tern.gateway.support;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A plain MQTT 5 client talking to the backend broker directly, to publish into and observe the gateway. */
public final class MqttProbe implements AutoCloseable {
    private final Mqtt5AsyncClient client;
    public final List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();

    public MqttProbe(int port) {
        client = MqttClient.builder().useMqttVersion5().identifier("probe-" + UUID.randomUUID().toString().substring(0, 8))
            .serverHost("127.0.0.1").serverPort(port).buildAsync();
        join(client.connect());
    }

    public MqttProbe subscribe(String filter) {
        join(client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).callback(received::add).send());
        return this;
    }

    public void publish(String topic, String payload) {
        join(client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8)).send());
    }

    /** Publishes all at QoS 1 without waiting for each PUBACK (a burst), then waits for all of them. */
    public void publishBurst(String topic, List<String> payloads) {
        java.util.concurrent.CompletableFuture<?>[] sent = payloads.stream()
            .map(p -> client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(p.getBytes(StandardCharsets.UTF_8)).send())
            .toArray(java.util.concurrent.CompletableFuture[]::new);
        join(java.util.concurrent.CompletableFuture.allOf(sent));
    }

    /** Publishes at QoS 1 with user properties, given as name, value, name, value, ... */
    public void publishWithProperties(String topic, String payload, String... nameValues) {
        Mqtt5UserPropertiesBuilder props = Mqtt5UserProperties.builder();
        for (int i = 0; i < nameValues.length; i += 2) {
            props.add(nameValues[i], nameValues[i + 1]);
        }
        join(client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).userProperties(props.build())
            .payload(payload.getBytes(StandardCharsets.UTF_8)).send());
    }

    public void publishRetained(String topic, String payload) {
        join(client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
            .payload(payload.getBytes(StandardCharsets.UTF_8)).send());
    }

    public List<String> payloads() {
        return received.stream().map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).toList();
    }

    private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the broker may already be gone
        }
    }
}
