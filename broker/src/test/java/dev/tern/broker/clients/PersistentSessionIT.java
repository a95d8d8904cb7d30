package dev.tern.broker.clients;

import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * Persistent sessions with every client library: QoS 1 and QoS 2 messages published while the
 * subscriber is offline wait in its session and are delivered after it reconnects, each exactly
 * once and, per topic, in the order they were published; QoS 0 messages are not queued (queueQos0Messages
 * false) and are counted as dropped; with queueQos0Messages they are kept too.
 */
class PersistentSessionIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int MESSAGES = 20;

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @ParameterizedTest
    @EnumSource(Kind.class)
    void cleanStartDiscardsTheStoredSession(Kind kind) {
        String name = TestClient.unique("pc");
        String topic = "pc/" + name;
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            try (TestClient first = TestClient.create(kind, name, broker.port())) {
                first.connect(true, null);
                first.subscribe(topic, 1);
                first.disconnect();
            }
            pub.connect();
            pub.publish(topic, "queued for the old session", 1);
            try (TestClient clean = TestClient.create(kind, name, broker.port())) {
                // [MQTT-3.1.2-4] clean start: the stored session, its subscription and queue are gone
                assertThat(clean.connect(false, null)).as("session present").isFalse();
                clean.subscribe(topic + "/fence", 1);
                pub.publish(topic, "to the old subscription", 1);
                pub.publish(topic + "/fence", "fence", 1);
                await().atMost(TIMEOUT).until(() -> clean.payloads().contains("fence"));
                assertThat(clean.payloads()).containsExactly("fence");
            }
        }
    }

    @RegisterExtension
    static EmbeddedBroker queueingQos0 = EmbeddedBroker.withMqtt(m -> m.queueQos0Messages(true));

    @Test
    void qos0MessagesAreQueuedWhenConfigured() {
        String name = TestClient.unique("p0");
        String topic = "p0/" + name;
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", queueingQos0.port())) {
            try (TestClient first = TestClient.create(Kind.PAHO_V311, name, queueingQos0.port())) {
                first.connect(true, null);
                first.subscribe(topic, 0);
                first.disconnect();
            }
            pub.connect();
            for (int i = 0; i < 5; i++) {
                pub.publish(topic, "z" + i, 0);
            }
            pub.publish(topic, "fence", 1); // granted QoS 0 like the rest
            try (TestClient second = TestClient.create(Kind.PAHO_V311, name, queueingQos0.port())) {
                assertThat(second.connect(true, null)).isTrue();
                await().atMost(TIMEOUT).until(() -> second.payloads().contains("fence"));
                assertThat(second.received()).containsExactly(new Msg(topic, "z0", 0, false),
                    new Msg(topic, "z1", 0, false), new Msg(topic, "z2", 0, false), new Msg(topic, "z3", 0, false),
                    new Msg(topic, "z4", 0, false), new Msg(topic, "fence", 0, false));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void messagesQueuedWhileOfflineArriveOnceInOrderAfterReconnect(Kind kind) {
        String name = TestClient.unique("ps");
        String base = "ps/" + name;
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            try (TestClient first = TestClient.create(kind, name, broker.port())) {
                assertThat(first.connect(true, null)).isFalse();
                first.subscribe(base + "/q1", 1);
                first.subscribe(base + "/q2", 2);
                first.subscribe(base + "/q0", 0);
                first.disconnect();
            }
            await().atMost(TIMEOUT).until(() -> !broker.broker().sessions().get(kind.shortName + "-" + name).isOnline());

            pub.connect();
            long qos0DroppedBefore = broker.broker().metrics().droppedQos0Offline.sum();
            List<Msg> expected = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                pub.publish(base + "/q1", "a" + i, 1);
                expected.add(new Msg(base + "/q1", "a" + i, 1, false));
                pub.publish(base + "/q2", "b" + i, 2);
                expected.add(new Msg(base + "/q2", "b" + i, 2, false));
                pub.publish(base + "/q0", "c" + i, 0);
            }
            await().atMost(TIMEOUT).until(
                () -> broker.broker().metrics().droppedQos0Offline.sum() - qos0DroppedBefore == MESSAGES);

            try (TestClient second = TestClient.create(kind, name, broker.port())) {
                // MQTT 3.1 has no session present flag (its CONNACK byte is reserved, 0)
                assertThat(second.connect(true, null)).as("session present").isEqualTo(kind != Kind.PAHO_V31);
                // a fence per topic: Paho hands QoS 2 messages over later than QoS 1 ones
                pub.publish(base + "/q1", "fence1", 1);
                expected.add(new Msg(base + "/q1", "fence1", 1, false));
                pub.publish(base + "/q2", "fence2", 2);
                expected.add(new Msg(base + "/q2", "fence2", 2, false));
                await().atMost(TIMEOUT).until(() -> second.payloads().containsAll(List.of("fence1", "fence2")));
                // every message once; order is kept per topic (section 4.6: Paho delivers QoS 2 after PUBREL,
                // so the order between the two topics is the client's choice)
                assertThat(second.received()).containsExactlyInAnyOrderElementsOf(expected);
                for (String t : List.of(base + "/q1", base + "/q2")) {
                    assertThat(second.received().stream().filter(m -> m.topic().equals(t)).toList())
                        .containsExactlyElementsOf(expected.stream().filter(m -> m.topic().equals(t)).toList());
                }
            }
        }
    }
}
