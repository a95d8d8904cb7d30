package dev.tern.broker.clients;

import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * QoS 0, 1 and 2 in both directions (client to broker, broker to client) between every client
 * library and protocol version: each library talks to itself and to another library. Every message
 * is counted: all arrive once, in order, at the QoS they were sent with.
 */
class QosRoundTripIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int MESSAGES = 25;

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    /** Each library and version with itself and with the next one (a different library or version). */
    static Stream<Arguments> pairs() {
        Kind[] kinds = Kind.values();
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < kinds.length; i++) {
            out.add(Arguments.of(kinds[i], kinds[i]));
            out.add(Arguments.of(kinds[i], kinds[(i + 1) % kinds.length]));
        }
        return out.stream();
    }

    /** One connection pair carries all three QoS levels (Paho takes a third of a second to connect). */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("pairs")
    void everyMessageArrivesOnceInOrderAtItsQos(Kind publisherKind, Kind subscriberKind) {
        String name = TestClient.unique("q");
        try (TestClient sub = TestClient.create(subscriberKind, name + "s", broker.port());
             TestClient pub = TestClient.create(publisherKind, name + "p", broker.port())) {
            sub.connect();
            for (int qos = 0; qos <= 2; qos++) {
                assertThat(sub.subscribe("rt/" + name + "/" + qos + "/+", qos)).isEqualTo(qos);
            }
            pub.connect();
            List<String> sent = IntStream.range(0, MESSAGES).mapToObj(i -> "m" + i).toList();
            for (int qos = 0; qos <= 2; qos++) {
                String topic = "rt/" + name + "/" + qos + "/data";
                for (String p : sent) {
                    pub.publish(topic, p, qos);
                }
                pub.publish(topic, "end", qos); // the fence: anything duplicated would show up before it
            }
            await().atMost(TIMEOUT).until(() -> sub.payloads().stream().filter("end"::equals).count() == 3);

            List<String> expected = new ArrayList<>(sent);
            expected.add("end");
            for (int qos = 0; qos <= 2; qos++) {
                String topic = "rt/" + name + "/" + qos + "/data";
                int q = qos;
                List<Msg> onTopic = sub.received().stream().filter(m -> m.topic().equals(topic)).toList();
                assertThat(onTopic).as("QoS %d", qos).extracting(Msg::payload).containsExactlyElementsOf(expected);
                assertThat(onTopic).as("QoS %d", qos).allSatisfy(m -> {
                    assertThat(m.qos()).isEqualTo(q);
                    assertThat(m.retain()).isFalse();
                });
            }
            assertThat(sub.received()).hasSize(3 * expected.size());
        }
    }

    static Stream<Arguments> downgrades() {
        return Stream.of(
            Arguments.of(Kind.HIVEMQ_V5, 2, 1), Arguments.of(Kind.HIVEMQ_V5, 1, 0), Arguments.of(Kind.HIVEMQ_V5, 2, 0),
            Arguments.of(Kind.PAHO_V311, 2, 1), Arguments.of(Kind.PAHO_V5, 1, 0), Arguments.of(Kind.HIVEMQ_V311, 2, 0));
    }

    @ParameterizedTest(name = "{0} subscriber: published at QoS {1}, subscribed at QoS {2}")
    @MethodSource("downgrades")
    void deliveryQosIsTheLowerOfPublishAndSubscription(Kind kind, int publishQos, int subscriptionQos) {
        String name = TestClient.unique("d");
        String topic = "down/" + name;
        try (TestClient sub = TestClient.create(kind, name + "s", broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            sub.connect();
            sub.subscribe(topic, subscriptionQos);
            pub.connect();
            pub.publish(topic, "x", publishQos);
            pub.publish(topic, "end", publishQos);
            await().atMost(TIMEOUT).until(() -> sub.payloads().contains("end"));
            assertThat(sub.received()).containsExactly(new Msg(topic, "x", subscriptionQos, false),
                new Msg(topic, "end", subscriptionQos, false));
        }
    }
}
