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
import static org.awaitility.Awaitility.await;

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

    static Stream<Arguments> pairs() {
        Kind[] kinds = Kind.values();
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < kinds.length; i++) {
            for (int qos = 0; qos <= 2; qos++) {
                out.add(Arguments.of(kinds[i], kinds[i], qos));
                out.add(Arguments.of(kinds[i], kinds[(i + 1) % kinds.length], qos));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} -> {1} at QoS {2}")
    @MethodSource("pairs")
    void everyMessageArrivesOnceInOrderAtItsQos(Kind publisherKind, Kind subscriberKind, int qos) {
        String name = TestClient.unique("q");
        String topic = "rt/" + name + "/data";
        try (TestClient sub = TestClient.create(subscriberKind, name + "s", broker.port());
             TestClient pub = TestClient.create(publisherKind, name + "p", broker.port())) {
            sub.connect();
            assertThat(sub.subscribe("rt/" + name + "/+", qos)).isEqualTo(qos);
            pub.connect();
            List<String> sent = IntStream.range(0, MESSAGES).mapToObj(i -> "m" + i).toList();
            for (String p : sent) {
                pub.publish(topic, p, qos);
            }
            pub.publish(topic, "end", qos); // the fence: anything duplicated would show up before it
            await().atMost(TIMEOUT).until(() -> sub.payloads().contains("end"));

            List<String> expected = new ArrayList<>(sent);
            expected.add("end");
            assertThat(sub.payloads()).containsExactlyElementsOf(expected);
            assertThat(sub.received()).allSatisfy(m -> {
                assertThat(m.topic()).isEqualTo(topic);
                assertThat(m.qos()).isEqualTo(qos);
                assertThat(m.retain()).isFalse();
            });
        }
    }

    static Stream<Arguments> downgrades() {
        return Stream.of(
            Arguments.of(Kind.HIVEMQ_V5, 2, 1), Arguments.of(Kind.HIVEMQ_V5, 1, 0), Arguments.of(Kind.HIVEMQ_V5, 2, 0),
            Arguments.of(Kind.PAHO_V311, 2, 1), Arguments.of(Kind.PAHO_V5, 1, 0), Arguments.of(Kind.HIVEMQ_V311, 2, 0));
    }

    @ParameterizedTest(name = "{0}: published at QoS {1}, subscribed at QoS {2}")
    @MethodSource("downgrades")
    void deliveryQosIsTheLowerOfPublishAndSubscription(Kind kind, int publishQos, int subscriptionQos) {
        String name = TestClient.unique("d");
        String topic = "down/" + name;
        try (TestClient sub = TestClient.create(kind, name + "s", broker.port());
             TestClient pub = TestClient.create(kind, name + "p", broker.port())) {
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
