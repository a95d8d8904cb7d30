package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import dev.tern.broker.clients.WireTap.Direction;
import dev.tern.broker.clients.WireTap.WirePublish;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * Topic aliases (section 3.3.2.3.4) in both directions, checked on the wire through a
 * {@link WireTap}: clients that alias their PUBLISHes are understood (HiveMQ against the default
 * Topic Alias Maximum, Paho against a broker announcing 10, because Paho reads 65535 as -1 and
 * then never aliases), and the broker aliases what it sends to clients that allow it, within their
 * Topic Alias Maximum, afresh on every connection, and not at all for clients that allow none.
 *
 * <p>Only HiveMQ is a receiving client here: Paho Java v5 1.2.5 cannot take a PUBLISH that names
 * its topic by alias alone (its decoder gives the topic as "" rather than null, so it maps the
 * alias to "" and hands the application an empty topic).
 */
class TopicAliasIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @RegisterExtension
    static EmbeddedBroker smallAliasBroker = EmbeddedBroker.withMqtt(m -> m.topicAliasMaximum(10));

    @Test
    void hivemqPublisherAliasesAreResolved() {
        String name = TestClient.unique("ta");
        try (WireTap tap = WireTap.start(broker.port());
             TestClient sub = TestClient.create(Kind.HIVEMQ_V5, name + "s", broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", tap.port())) {
            assertPublisherAliasesResolved(name, tap, sub, pub);
        }
    }

    @Test
    void pahoPublisherAliasesAreResolved() {
        String name = TestClient.unique("tp");
        try (WireTap tap = WireTap.start(smallAliasBroker.port());
             TestClient sub = TestClient.create(Kind.HIVEMQ_V5, name + "s", smallAliasBroker.port());
             TestClient pub = TestClient.create(Kind.PAHO_V5, name + "p", tap.port())) {
            assertPublisherAliasesResolved(name, tap, sub, pub);
        }
    }

    private static void assertPublisherAliasesResolved(String name, WireTap tap, TestClient sub, TestClient pub) {
        String a = "ta/" + name + "/a";
        String b = "ta/" + name + "/b";
        sub.connect();
        sub.subscribe("ta/" + name + "/+", 1);
        pub.connect();
        List<Msg> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            for (String t : List.of(a, b)) {
                pub.publish(t, t.substring(t.length() - 1) + i, 1);
                expected.add(new Msg(t, t.substring(t.length() - 1) + i, 1, false));
            }
        }
        await().atMost(TIMEOUT).until(() -> sub.received().size() == expected.size());
        assertThat(sub.received()).containsExactlyElementsOf(expected);

        List<WirePublish> wire = tap.publishes(Direction.TO_BROKER, true);
        assertThat(wire).hasSize(expected.size());
        assertThat(wire).allMatch(p -> p.topicAlias() > 0);
        assertThat(wire.stream().filter(p -> p.topic().isEmpty()).count())
            .as("PUBLISHes naming their topic by alias alone").isGreaterThan(0);
    }

    @Test
    void brokerAliasesTopicsForAHivemqSubscriberWithinItsMaximumAndAfreshPerConnection() {
        String name = TestClient.unique("ts");
        String id = "hv5-" + name;
        List<String> topics = List.of("ts/" + name + "/0", "ts/" + name + "/1", "ts/" + name + "/2",
            "ts/" + name + "/3", "ts/" + name + "/4");
        try (WireTap tap = WireTap.start(broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            pub.connect();
            List<String> got = new CopyOnWriteArrayList<>();
            Mqtt5BlockingClient sub = aliasingHivemq(id, tap.port(), got);
            sub.connectWith().cleanStart(true).sessionExpiryInterval(60)
                .restrictions().topicAliasMaximum(3).applyRestrictions().send();
            sub.subscribeWith().topicFilter("ts/" + name + "/+").qos(MqttQos.AT_LEAST_ONCE).send();
            for (int round = 0; round < 2; round++) {
                for (String t : topics) {
                    pub.publish(t, t, 1);
                }
            }
            await().atMost(TIMEOUT).until(() -> got.size() == 10);
            List<String> expected = new ArrayList<>(topics);
            expected.addAll(topics);
            assertThat(got).as("topics the client resolved").containsExactlyElementsOf(expected);

            List<WirePublish> wire = tap.publishes(Direction.TO_CLIENT, true);
            // first round: three topics get aliases 1..3 along with their names, the rest go by name
            for (int i = 0; i < 3; i++) {
                assertThat(wire.get(i).topic()).isEqualTo(topics.get(i));
                assertThat(wire.get(i).topicAlias()).isBetween(1, 3);
            }
            assertThat(wire.subList(3, 5)).allMatch(p -> p.topicAlias() == 0 && !p.topic().isEmpty());
            // second round: the aliased topics by alias alone
            for (int i = 0; i < 3; i++) {
                assertThat(wire.get(5 + i).topic()).isEmpty();
                assertThat(wire.get(5 + i).topicAlias()).isEqualTo(wire.get(i).topicAlias());
            }
            assertThat(wire.subList(8, 10)).allMatch(p -> p.topicAlias() == 0 && !p.topic().isEmpty());
            sub.disconnect();

            // aliases belong to a connection: the next one starts over with names
            int before = tap.publishes(Direction.TO_CLIENT, true).size();
            Mqtt5BlockingClient again = aliasingHivemq(id, tap.port(), got);
            again.connectWith().cleanStart(false).sessionExpiryInterval(60)
                .restrictions().topicAliasMaximum(3).applyRestrictions().send();
            pub.publish(topics.get(0), "again", 1);
            await().atMost(TIMEOUT).until(() -> got.size() == 11);
            WirePublish first = tap.publishes(Direction.TO_CLIENT, true).get(before);
            assertThat(first.topic()).isEqualTo(topics.get(0));
            assertThat(first.topicAlias()).isPositive();
            again.disconnect();
        }
    }

    @Test
    void clientThatAllowsNoAliasesGetsNone() {
        String name = TestClient.unique("tn");
        String topic = "tn/" + name;
        try (WireTap tap = WireTap.start(broker.port());
             TestClient sub = TestClient.create(Kind.HIVEMQ_V5, name, tap.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            sub.connect(); // Topic Alias Maximum absent: 0
            sub.subscribe(topic, 1);
            pub.connect();
            for (int i = 0; i < 3; i++) {
                pub.publish(topic, "m" + i, 1);
            }
            await().atMost(TIMEOUT).until(() -> sub.received().size() == 3);
            assertThat(tap.publishes(Direction.TO_CLIENT, true))
                .allMatch(p -> p.topicAlias() == 0 && p.topic().equals(topic));
        }
    }

    private static Mqtt5BlockingClient aliasingHivemq(String id, int port, List<String> topics) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(port).buildBlocking();
        c.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> topics.add(p.getTopic().toString()));
        return c;
    }
}
