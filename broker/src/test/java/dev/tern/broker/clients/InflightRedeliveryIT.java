package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import dev.tern.broker.clients.WireTap.Direction;
import dev.tern.broker.clients.WireTap.WirePublish;
import dev.tern.broker.session.Session;
import dev.tern.broker.test.EmbeddedBroker;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * Messages the client received but never acknowledged stay in flight in its session: when the
 * connection fails and the client resumes the session, the broker sends them again with DUP set,
 * before anything that was queued meanwhile [MQTT-4.4.0-1]; a QoS 2 message whose PUBREC the broker
 * had already received is finished with PUBREL, not delivered again. Clients leave messages
 * unacknowledged through manual acknowledgement (HiveMQ) or manual acks (Paho).
 */
class InflightRedeliveryIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int PUBACK = 4;
    private static final int PUBREC = 5;
    private static final int PUBREL = 6;

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @Test
    void hivemqV5UnacknowledgedQos1AndQos2AreRedeliveredWithDupAfterReconnect() {
        String name = TestClient.unique("ir");
        String id = "hv5-" + name;
        String base = "ir/" + name;
        try (WireTap tap = WireTap.start(broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            Mqtt5AsyncClient holder = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(tap.port()).buildAsync();
            List<Mqtt5Publish> held = new CopyOnWriteArrayList<>();
            holder.publishes(MqttGlobalPublishFilter.ALL, held::add, true); // manual acknowledgement: never called
            holder.connectWith().cleanStart(true).sessionExpiryInterval(300).send().join();
            holder.subscribeWith().topicFilter(base + "/+").qos(MqttQos.EXACTLY_ONCE).send().join();

            pub.connect();
            List<Msg> expected = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pub.publish(base + "/q1", "a" + i, 1);
                expected.add(new Msg(base + "/q1", "a" + i, 1, false));
                pub.publish(base + "/q2", "b" + i, 2);
                expected.add(new Msg(base + "/q2", "b" + i, 2, false));
            }
            await().atMost(TIMEOUT).until(() -> held.size() == 10);
            assertThat(tap.frames()).noneMatch(f -> f.type() == PUBACK || f.type() == PUBREC);
            assertThat(session(id).inflightSize()).isEqualTo(10);

            tap.cut(); // the holder's connection fails: nothing was acknowledged
            await().atMost(TIMEOUT).until(() -> !session(id).isOnline());
            for (int i = 5; i < 8; i++) {
                pub.publish(base + "/q1", "a" + i, 1); // queued behind the in-flight ones
                expected.add(new Msg(base + "/q1", "a" + i, 1, false));
            }
            int framesBefore = tap.frames().size();

            try (TestClient resumed = TestClient.create(Kind.HIVEMQ_V5, name, tap.port())) {
                assertThat(resumed.clientId()).isEqualTo(id);
                assertThat(resumed.connect(true, null)).isTrue();
                pub.publish(base + "/q1", "fence", 1);
                expected.add(new Msg(base + "/q1", "fence", 1, false));
                await().atMost(TIMEOUT).until(() -> resumed.payloads().contains("fence"));
                assertThat(resumed.received()).containsExactlyElementsOf(expected);

                List<WirePublish> resent = tap.frames().subList(framesBefore, tap.frames().size()).stream()
                    .filter(f -> f.direction() == Direction.TO_CLIENT && f.type() == WireTap.PUBLISH)
                    .map(f -> WireTap.decodePublish(f, true)).toList();
                assertThat(resent).hasSize(expected.size());
                assertThat(resent.subList(0, 10)).allMatch(WirePublish::dup);
                assertThat(resent.subList(10, resent.size())).noneMatch(WirePublish::dup);
                await().atMost(TIMEOUT).until(() -> session(id).inflightSize() == 0);
            }
            holder.disconnect();
        }
    }

    @Test
    void pahoV311UnacknowledgedQos1IsRedeliveredAndAReceivedQos2IsOnlyReleased() throws Exception {
        String name = TestClient.unique("ip");
        String id = "p3-" + name;
        String base = "ip/" + name;
        try (WireTap tap = WireTap.start(broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            org.eclipse.paho.client.mqttv3.MqttClient holder = new org.eclipse.paho.client.mqttv3.MqttClient(
                "tcp://127.0.0.1:" + tap.port(), id, new MemoryPersistence());
            List<String> held = new CopyOnWriteArrayList<>();
            holder.setManualAcks(true); // messageArrivedComplete is never called
            holder.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    held.add(new String(message.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            holder.connect(o);
            holder.subscribe(base + "/q1", 1);
            holder.subscribe(base + "/q2", 2);

            pub.connect();
            for (int i = 0; i < 3; i++) {
                pub.publish(base + "/q1", "a" + i, 1);
                pub.publish(base + "/q2", "b" + i, 2);
            }
            await().atMost(TIMEOUT).until(() -> held.size() == 6);
            assertThat(tap.frames()).noneMatch(f -> f.type() == PUBACK);
            // Paho answers a QoS 2 PUBLISH with PUBREC at once and hands the message over after PUBREL:
            // the broker has three QoS 2 messages waiting for PUBCOMP
            assertThat(tap.frames().stream().filter(f -> f.type() == PUBREC).count()).isEqualTo(3);
            assertThat(tap.frames().stream().filter(f -> f.type() == PUBREL).count()).isEqualTo(3);

            tap.cut();
            await().atMost(TIMEOUT).until(() -> !session(id).isOnline());
            int framesBefore = tap.frames().size();
            try (TestClient resumed = TestClient.create(Kind.PAHO_V311, name, tap.port())) {
                assertThat(resumed.connect(true, null)).isTrue();
                pub.publish(base + "/q1", "fence", 1);
                await().atMost(TIMEOUT).until(() -> resumed.payloads().contains("fence"));
                // the QoS 1 messages come again; the QoS 2 ones were delivered once already and are not
                assertThat(resumed.payloads()).containsExactly("a0", "a1", "a2", "fence");
                List<WireTap.Frame> after = tap.frames().subList(framesBefore, tap.frames().size());
                assertThat(after.stream().filter(f -> f.direction() == Direction.TO_CLIENT && f.type() == PUBREL).count())
                    .isEqualTo(3);
                await().atMost(TIMEOUT).until(() -> session(id).inflightSize() == 0);
            }
            holder.close(true);
        }
    }

    private static Session session(String clientId) {
        return broker.broker().sessions().get(clientId);
    }
}
