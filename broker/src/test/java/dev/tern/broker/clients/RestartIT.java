package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.StorageConfig;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.tern.broker.clients.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real clients and a broker that stores its state (RocksDB) and is restarted on the same data
 * directory: persistent sessions with their queued QoS 1/2 messages, messages left unacknowledged
 * in flight, retained messages and what a shared group kept all survive, and each message is
 * delivered once. (Crash-level durability is {@code cli}'s DurabilityIT; this is the client's view.)
 */
class RestartIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;
    private Broker broker;

    private Broker start() {
        broker = Broker.builder().config(BrokerConfig.builder().tcp("127.0.0.1", 0).ioThreads(2)
            .storage(StorageConfig.rocksdb(StorageConfig.Durability.PROCESS)).dataDir(dataDir).build()).build().start();
        return broker;
    }

    private Broker restart() {
        broker.close();
        return start();
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"HIVEMQ_V5", "PAHO_V311"})
    void queuedMessagesAndRetainedMessagesSurviveARestart(Kind kind) {
        String name = TestClient.unique("rs");
        String base = "rs/" + name;
        start();
        try (TestClient first = TestClient.create(kind, name, broker.port())) {
            first.connect(true, null);
            first.subscribe(base + "/+", 2);
            first.disconnect();
        }
        List<Msg> expected = new ArrayList<>();
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            pub.connect();
            pub.publish(base + "/kept", "retained", 1, true);
            expected.add(new Msg(base + "/kept", "retained", 1, false));
            for (int i = 0; i < 10; i++) {
                pub.publish(base + "/q1", "a" + i, 1);
                expected.add(new Msg(base + "/q1", "a" + i, 1, false));
                pub.publish(base + "/q2", "b" + i, 2);
                expected.add(new Msg(base + "/q2", "b" + i, 2, false));
            }
        }
        restart();
        try (TestClient again = TestClient.create(kind, name, broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port());
             TestClient late = TestClient.create(Kind.HIVEMQ_V311, name + "l", broker.port())) {
            assertThat(again.connect(true, null)).as("session present after the restart").isTrue();
            pub.connect();
            pub.publish(base + "/q1", "fence1", 1);
            expected.add(new Msg(base + "/q1", "fence1", 1, false));
            pub.publish(base + "/q2", "fence2", 2);
            expected.add(new Msg(base + "/q2", "fence2", 2, false));
            await().atMost(TIMEOUT).until(() -> again.payloads().containsAll(List.of("fence1", "fence2")));
            assertThat(again.received()).containsExactlyInAnyOrderElementsOf(expected);
            for (String t : List.of(base + "/q1", base + "/q2")) {
                assertThat(again.received().stream().filter(m -> m.topic().equals(t)).toList())
                    .containsExactlyElementsOf(expected.stream().filter(m -> m.topic().equals(t)).toList());
            }

            late.connect();
            late.subscribe(base + "/kept", 1);
            await().atMost(TIMEOUT).until(() -> late.received().size() == 1);
            assertThat(late.received()).containsExactly(new Msg(base + "/kept", "retained", 1, true));
        }
    }

    @Test
    void unacknowledgedMessagesInFlightAreResentAfterARestart() {
        String name = TestClient.unique("ri");
        String id = "hv5-" + name;
        String base = "ri/" + name;
        start();
        List<String> held = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient holder = MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        holder.publishes(MqttGlobalPublishFilter.ALL, p -> held.add(new String(p.getPayloadAsBytes(),
            StandardCharsets.UTF_8)), true); // never acknowledged
        holder.connectWith().cleanStart(true).sessionExpiryInterval(300).send().join();
        holder.subscribeWith().topicFilter(base + "/+").qos(MqttQos.EXACTLY_ONCE).send().join();
        List<String> sent = new ArrayList<>();
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            pub.connect();
            for (int i = 0; i < 4; i++) {
                pub.publish(base + "/q1", "a" + i, 1);
                sent.add("a" + i);
                pub.publish(base + "/q2", "b" + i, 2);
                sent.add("b" + i);
            }
        }
        await().atMost(TIMEOUT).until(() -> held.size() == sent.size());
        restart(); // the holder's connection goes with the old broker

        try (TestClient resumed = TestClient.create(Kind.HIVEMQ_V5, name, broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            assertThat(resumed.connect(true, null)).isTrue();
            pub.connect();
            pub.publish(base + "/q1", "fence1", 1);
            pub.publish(base + "/q2", "fence2", 2);
            await().atMost(TIMEOUT).until(() -> resumed.payloads().containsAll(List.of("fence1", "fence2")));
            List<String> expected = new ArrayList<>(sent);
            expected.addAll(List.of("fence1", "fence2"));
            assertThat(resumed.payloads()).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void messagesASharedGroupKeptSurviveARestart() {
        String name = TestClient.unique("rg");
        String topic = "rg/" + name;
        start();
        try (TestClient member = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
            member.connect(true, null);
            member.subscribe("$share/g/" + topic, 1);
            member.disconnect();
        }
        List<String> sent = new ArrayList<>();
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            pub.connect();
            for (int i = 0; i < 10; i++) {
                pub.publish(topic, "m" + i, 1);
                sent.add("m" + i);
            }
        }
        restart();
        try (TestClient member = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
            assertThat(member.connect(true, null)).isTrue();
            await().atMost(TIMEOUT).until(() -> member.received().size() >= sent.size());
            assertThat(member.payloads()).containsExactlyElementsOf(sent);
        }
    }
}
