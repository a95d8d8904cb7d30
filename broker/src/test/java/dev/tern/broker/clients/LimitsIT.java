package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static dev.tern.broker.clients.Await.await;

/**
 * The limits a broker and a client tell each other at CONNECT, honoured by both with real clients:
 * the client's Maximum Packet Size (a PUBLISH too large for it is skipped and counted, not sent,
 * [MQTT-3.1.2-25]), the broker's Maximum Packet Size (the client reads it and does not send more),
 * Server Keep Alive (the client adopts it and the connection lives on its PINGREQs; a connection
 * gone silent is closed with 0x8D and its will published) and Maximum QoS.
 */
class LimitsIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withMqtt(m -> m.maximumPacketSize(4096).serverKeepAlive(1));

    @RegisterExtension
    static EmbeddedBroker qos1Broker = EmbeddedBroker.withMqtt(m -> m.maximumQoS(1));

    @Test
    void maximumQos1IsGrantedAndAQos2PublishIsRefused() {
        String name = TestClient.unique("lq");
        String topic = "lq/" + name;
        try (TestClient v5 = TestClient.create(Kind.HIVEMQ_V5, name + "h", qos1Broker.port());
             TestClient v3 = TestClient.create(Kind.PAHO_V311, name + "p", qos1Broker.port())) {
            v5.connect();
            v3.connect();
            assertThat(v5.subscribe(topic, 2)).as("granted QoS").isEqualTo(1);
            assertThat(v3.subscribe(topic, 2)).as("granted QoS").isEqualTo(1);
            v3.publish(topic, "at 1", 1);
            await().atMost(TIMEOUT).until(() -> v3.received().size() == 1 && v5.received().size() == 1);
            assertThat(v3.received().get(0).qos()).isEqualTo(1);
            assertThat(v5.received().get(0).qos()).isEqualTo(1);

            // HiveMQ 1.3.17 sends QoS 2 although CONNACK said Maximum QoS 1: DISCONNECT 0x9B [MQTT-3.2.2-11]
            Throwable refused = catchThrowable(() -> v5.publish(topic, "at 2", 2));
            assertThat(refused.getCause()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e ->
                assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.QOS_NOT_SUPPORTED));
        }
    }

    @Test
    void messageLargerThanTheClientsMaximumPacketSizeIsSkippedForThatClientOnly() {
        String name = TestClient.unique("lm");
        String topic = "lm/" + name;
        long tooLargeBefore = broker.broker().metrics().droppedTooLarge.sum();
        List<String> small = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient limited = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name + "s")
            .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        limited.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> small.add(new String(p.getPayloadAsBytes(),
            StandardCharsets.UTF_8)));
        limited.connectWith().restrictions().maximumPacketSize(512).applyRestrictions().send();
        limited.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        try (TestClient roomy = TestClient.create(Kind.PAHO_V311, name + "r", broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            roomy.connect();
            roomy.subscribe(topic, 1);
            pub.connect();
            String big = "x".repeat(1000);
            pub.publish(topic, "before", 1);
            pub.publish(topic, big, 1);
            pub.publish(topic, "after", 1);
            await().atMost(TIMEOUT).until(() -> small.contains("after") && roomy.payloads().contains("after"));
            assertThat(small).containsExactly("before", "after");
            assertThat(roomy.payloads()).containsExactly("before", big, "after");
            assertThat(broker.broker().metrics().droppedTooLarge.sum() - tooLargeBefore).isEqualTo(1);
            assertThat(limited.getState().isConnected()).isTrue();
        }
        limited.disconnect();
    }

    @Test
    void clientHonoursTheBrokersMaximumPacketSize() {
        String name = TestClient.unique("lb");
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        Mqtt5ConnAck ack = client.connect();
        assertThat(ack.getRestrictions().getMaximumPacketSize()).isEqualTo(4096);
        Throwable refused = catchThrowable(() -> client.publishWith().topic("lb/" + name).qos(MqttQos.AT_LEAST_ONCE)
            .payload(new byte[5000]).send());
        assertThat(refused).as("refused by the client itself").isNotNull();
        assertThat(client.getState().isConnected()).isTrue();
        // another topic: HiveMQ 1.3.17 has already mapped the refused PUBLISH's topic to an alias it never
        // sent, so its next PUBLISH there names the topic by that alias alone (the broker: 0x82)
        client.publishWith().topic("lb/" + name + "/small").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[1000]).send();
        client.disconnect();
    }

    @Test
    void silentConnectionIsClosedAfterOneAndAHalfKeepAlivesAndItsWillPublished() {
        String name = TestClient.unique("ls");
        String willTopic = "ls/" + name + "/will";
        try (WireTap tap = WireTap.start(broker.port());
             TestClient watcher = TestClient.create(Kind.HIVEMQ_V311, name + "w", broker.port())) {
            watcher.connect();
            watcher.subscribe(willTopic, 1);
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name)
                .serverHost("127.0.0.1").serverPort(tap.port()).buildBlocking();
            client.connectWith().keepAlive(60).willPublish().topic(willTopic).payload("silent".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).applyWillPublish().send();
            tap.freeze(); // from now on the broker hears nothing, not even a close
            await().atMost(TIMEOUT).until(() -> watcher.received().size() == 1);
            assertThat(watcher.payloads()).containsExactly("silent");
            // [MQTT-3.1.2-24] the broker ended it: DISCONNECT 0x8D keep alive timeout
            assertThat(tap.frames()).anySatisfy(f -> {
                assertThat(f.direction()).isEqualTo(WireTap.Direction.TO_CLIENT);
                assertThat(f.type()).isEqualTo(14);
                assertThat(f.body()[0] & 0xFF).isEqualTo(0x8D);
            });
        }
    }

    @Test
    void clientAdoptsServerKeepAliveAndStaysConnected() {
        String name = TestClient.unique("lk");
        try (WireTap tap = WireTap.start(broker.port())) {
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name)
                .serverHost("127.0.0.1").serverPort(tap.port()).buildBlocking();
            Mqtt5ConnAck ack = client.connectWith().keepAlive(60).send();
            assertThat(ack.getServerKeepAlive()).hasValue(1);
            // held to 1 s (1.5 s without a packet ends it): it lives on PINGREQs alone
            await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(() -> client.getState().isConnected());
            assertThat(tap.frames().stream().filter(f -> f.type() == 12).count()).as("PINGREQs").isGreaterThanOrEqualTo(2);
            client.disconnect();
        }
    }
}
