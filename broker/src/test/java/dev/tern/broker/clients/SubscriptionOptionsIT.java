package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.WireTap.Direction;
import dev.tern.broker.clients.WireTap.WirePublish;
import dev.tern.broker.test.EmbeddedBroker;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * MQTT 5 subscription options and identifiers with real clients: subscription identifiers
 * (every matching subscription's identifier on the one copy a session gets, [MQTT-3.3.4-3]
 * [MQTT-3.3.4-4]; replaced by a new SUBSCRIBE), No Local, Retain As Published, Retain Handling;
 * UNSUBSCRIBE with every client; wildcards and '$' topics.
 */
class SubscriptionOptionsIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @Test
    void overlappingSubscriptionsGiveOneCopyWithEveryIdentifier() throws Exception {
        String name = TestClient.unique("si");
        String base = "si/" + name;
        try (WireTap tap = WireTap.start(broker.port());
             Paho5TestClient sub = (Paho5TestClient) TestClient.create(Kind.PAHO_V5, name, tap.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            sub.connect();
            subscribeWithId(sub, base + "/+", 1, 11);
            subscribeWithId(sub, base + "/a", 1, 22);
            pub.connect();
            pub.publish(base + "/a", "both", 1);
            pub.publish(base + "/b", "wildcard only", 1);
            await().atMost(TIMEOUT).until(() -> sub.received().size() == 2);

            List<MqttMessage> got = sub.rawReceived();
            assertThat(sub.payloads()).containsExactly("both", "wildcard only");
            assertThat(got.get(0).getProperties().getSubscriptionIdentifiers()).containsExactlyInAnyOrder(11, 22);
            assertThat(got.get(1).getProperties().getSubscriptionIdentifiers()).containsExactly(11);
            List<WirePublish> wire = tap.publishes(Direction.TO_CLIENT, true);
            assertThat(wire).hasSize(2);
            assertThat(wire.get(0).subscriptionIds()).containsExactlyInAnyOrder(11, 22);

            // a new SUBSCRIBE on the same filter replaces the identifier
            subscribeWithId(sub, base + "/+", 1, 33);
            pub.publish(base + "/b", "after", 1);
            await().atMost(TIMEOUT).until(() -> sub.received().size() == 3);
            assertThat(sub.rawReceived().get(2).getProperties().getSubscriptionIdentifiers()).containsExactly(33);
        }
    }

    @Test
    void retainedMessagesCarryTheIdentifierOfTheSubscriptionThatFetchedThem() throws Exception {
        String name = TestClient.unique("sr");
        String topic = "sr/" + name;
        try (Paho5TestClient sub = (Paho5TestClient) TestClient.create(Kind.PAHO_V5, name, broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            pub.connect();
            pub.publish(topic, "kept", 1, true);
            sub.connect();
            subscribeWithId(sub, topic, 1, 7);
            await().atMost(TIMEOUT).until(() -> sub.received().size() == 1);
            assertThat(sub.rawReceived().get(0).isRetained()).isTrue();
            assertThat(sub.rawReceived().get(0).getProperties().getSubscriptionIdentifiers()).containsExactly(7);
        }
    }

    @Test
    void noLocalKeepsAClientsOwnMessagesFromIt() {
        String name = TestClient.unique("nl");
        String topic = "nl/" + name;
        List<String> got = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient self = v5("hv5-" + name, got);
        self.connect();
        self.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).noLocal(true).send();
        self.subscribeWith().topicFilter(topic + "/echo").qos(MqttQos.AT_LEAST_ONCE).noLocal(false).send();
        try (TestClient other = TestClient.create(Kind.PAHO_V5, name + "o", broker.port())) {
            other.connect();
            publish(self, topic, "own", false);
            publish(self, topic + "/echo", "own echo", false);
            other.publish(topic, "other", 1);
            await().atMost(TIMEOUT).until(() -> got.contains("other"));
            assertThat(got).containsExactly("own echo", "other");
        }
        self.disconnect();
    }

    @Test
    void retainAsPublishedKeepsTheRetainFlagOnForwardedMessages() {
        String name = TestClient.unique("rp");
        String topic = "rp/" + name;
        List<Mqtt5Publish> keep = new CopyOnWriteArrayList<>();
        List<Mqtt5Publish> clear = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient rap = v5raw("hv5-" + name + "k", keep);
        rap.connect();
        rap.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).retainAsPublished(true).send();
        Mqtt5BlockingClient plain = v5raw("hv5-" + name + "c", clear);
        plain.connect();
        plain.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

        Mqtt5BlockingClient pub = v5("hv5-" + name + "p", new CopyOnWriteArrayList<>());
        pub.connect();
        publish(pub, topic, "retained", true);
        publish(pub, topic, "plain", false);
        await().atMost(TIMEOUT).until(() -> keep.size() == 2 && clear.size() == 2);
        assertThat(keep).extracting(Mqtt5Publish::isRetain).containsExactly(true, false);
        assertThat(clear).extracting(Mqtt5Publish::isRetain).containsExactly(false, false);
        publish(pub, topic, "", true); // clear the retained message
        rap.disconnect();
        plain.disconnect();
        pub.disconnect();
    }

    @Test
    void retainHandlingDecidesWhenRetainedMessagesAreSent() {
        String name = TestClient.unique("rh");
        String base = "rh/" + name;
        Mqtt5BlockingClient pub = v5("hv5-" + name + "p", new CopyOnWriteArrayList<>());
        pub.connect();
        for (String t : List.of("always", "new", "never")) {
            publish(pub, base + "/" + t, t, true);
        }
        List<String> got = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient sub = v5("hv5-" + name, got);
        sub.connect();
        for (int round = 0; round < 2; round++) {
            sub.subscribeWith().topicFilter(base + "/always").qos(MqttQos.AT_LEAST_ONCE)
                .retainHandling(Mqtt5RetainHandling.SEND).send();
            sub.subscribeWith().topicFilter(base + "/new").qos(MqttQos.AT_LEAST_ONCE)
                .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
            sub.subscribeWith().topicFilter(base + "/never").qos(MqttQos.AT_LEAST_ONCE)
                .retainHandling(Mqtt5RetainHandling.DO_NOT_SEND).send();
        }
        sub.subscribeWith().topicFilter(base + "/fence").qos(MqttQos.AT_LEAST_ONCE).send();
        publish(pub, base + "/fence", "fence", false);
        await().atMost(TIMEOUT).until(() -> got.contains("fence"));
        // 0: on every SUBSCRIBE; 1: only when the subscription is new; 2: never
        assertThat(got).containsExactly("always", "new", "always", "fence");
        sub.disconnect();
        pub.disconnect();
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, mode = EnumSource.Mode.EXCLUDE, names = "PAHO_V31") // same library as PAHO_V311
    void unsubscribeStopsDeliveryOfThatFilterOnly(Kind kind) {
        String name = TestClient.unique("us");
        String base = "us/" + name;
        try (TestClient sub = TestClient.create(kind, name, broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            sub.connect();
            sub.subscribe(base + "/a", 1);
            sub.subscribe(base + "/b", 1);
            pub.connect();
            pub.publish(base + "/a", "a1", 1);
            sub.unsubscribe(base + "/a");
            pub.publish(base + "/a", "a2", 1);
            pub.publish(base + "/b", "fence", 1);
            await().atMost(TIMEOUT).until(() -> sub.payloads().contains("fence"));
            assertThat(sub.payloads()).containsExactly("a1", "fence");
        }
    }

    @Test
    void wildcardsAtTheStartDoNotMatchDollarTopics() {
        String name = TestClient.unique("dt");
        try (TestClient sub = TestClient.create(Kind.HIVEMQ_V5, name, broker.port());
             TestClient pub = TestClient.create(Kind.PAHO_V311, name + "p", broker.port())) {
            sub.connect();
            sub.subscribe("+/" + name, 1);
            sub.subscribe("$app/+", 1);
            pub.connect();
            // [MQTT-4.7.2-1] "+/..." and "#" never match a topic starting with '$'
            pub.publish("$dollar/" + name, "hidden", 1);
            pub.publish("$app/" + name, "by $ filter", 1);
            pub.publish("plain/" + name, "fence", 1);
            await().atMost(TIMEOUT).until(() -> sub.payloads().contains("fence"));
            assertThat(sub.payloads()).containsExactly("by $ filter", "fence");
        }
    }

    private static void subscribeWithId(Paho5TestClient c, String filter, int qos, int id) throws Exception {
        MqttProperties props = new MqttProperties();
        props.setSubscriptionIdentifier(id);
        c.asyncClient().subscribe(new MqttSubscription[]{new MqttSubscription(filter, qos)}, null, null, props)
            .waitForCompletion(TIMEOUT.toMillis());
    }

    private static void publish(Mqtt5BlockingClient c, String topic, String payload, boolean retain) {
        c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(retain)
            .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
    }

    private static Mqtt5BlockingClient v5(String id, List<String> payloads) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        c.toAsync().publishes(MqttGlobalPublishFilter.ALL,
            p -> payloads.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        return c;
    }

    private static Mqtt5BlockingClient v5raw(String id, List<Mqtt5Publish> got) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        c.toAsync().publishes(MqttGlobalPublishFilter.ALL, got::add);
        return c;
    }
}
