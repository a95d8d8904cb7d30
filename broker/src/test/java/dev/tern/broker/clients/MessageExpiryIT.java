package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.clients.TestClient.Kind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * Message Expiry Interval (section 3.3.2.3.3) on a broker whose clock the test moves: a message
 * that expired while queued for an offline client or while retained is never delivered
 * [MQTT-3.3.2-5]; one that is delivered carries the interval minus the time it waited in the
 * broker [MQTT-3.3.2-6].
 */
class MessageExpiryIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final MutableClock CLOCK = new MutableClock();
    private static Broker broker;

    @BeforeAll
    static void start() {
        broker = Broker.builder().clock(CLOCK)
            .config(BrokerConfig.builder().tcp("127.0.0.1", 0).ioThreads(2).build()).build().start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void queuedMessageThatExpiredOfflineIsNotDeliveredAndTheOthersCarryTheirRemainingTime() {
        String name = TestClient.unique("me");
        String id = "hv5-" + name;
        String topic = "me/" + name;
        Mqtt5BlockingClient first = v5(id);
        first.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        first.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();
        long expiredBefore = broker.metrics().droppedExpired.sum();

        Mqtt5BlockingClient pub = v5(id + "p");
        pub.connect();
        publish(pub, topic, "short", 10, false);
        publish(pub, topic, "none", -1, false);
        publish(pub, topic, "long", 100, false);
        CLOCK.advance(Duration.ofSeconds(20));

        List<Mqtt5Publish> got = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient again = v5(id);
        again.toAsync().publishes(MqttGlobalPublishFilter.ALL, got::add);
        assertThat(again.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent()).isTrue();
        publish(pub, topic, "fence", -1, false);
        await().atMost(TIMEOUT).until(() -> payloads(got).contains("fence"));
        assertThat(payloads(got)).containsExactly("none", "long", "fence");
        assertThat(got.get(0).getMessageExpiryInterval()).isEmpty();
        assertThat(got.get(1).getMessageExpiryInterval()).isEqualTo(OptionalLong.of(80));
        assertThat(broker.metrics().droppedExpired.sum() - expiredBefore).isEqualTo(1);
        again.disconnect();
        pub.disconnect();
    }

    @Test
    void expiredRetainedMessageIsNotSentToNewSubscribers() {
        String name = TestClient.unique("mr");
        String base = "mr/" + name;
        Mqtt5BlockingClient pub = v5("hv5-" + name + "p");
        pub.connect();
        publish(pub, base + "/a", "short-lived", 5, true);
        publish(pub, base + "/b", "long-lived", 100, true);
        CLOCK.advance(Duration.ofSeconds(10));

        List<Mqtt5Publish> got = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient sub = v5("hv5-" + name);
        sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, got::add);
        sub.connect();
        sub.subscribeWith().topicFilter(base + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
        publish(pub, base + "/fence", "fence", -1, false);
        await().atMost(TIMEOUT).until(() -> payloads(got).contains("fence"));
        assertThat(payloads(got)).containsExactly("long-lived", "fence");
        assertThat(got.get(0).isRetain()).isTrue();
        assertThat(got.get(0).getMessageExpiryInterval()).isEqualTo(OptionalLong.of(90));
        sub.disconnect();
        pub.disconnect();
    }

    @Test
    void liveDeliveryCarriesTheExpiryToEveryClient() {
        String name = TestClient.unique("ml");
        String topic = "ml/" + name;
        try (Paho5TestClient paho = (Paho5TestClient) TestClient.create(Kind.PAHO_V5, name, broker.port())) {
            paho.connect();
            paho.subscribe(topic, 1);
            List<Mqtt5Publish> got = new CopyOnWriteArrayList<>();
            Mqtt5BlockingClient hive = v5("hv5-" + name);
            hive.toAsync().publishes(MqttGlobalPublishFilter.ALL, got::add);
            hive.connect();
            hive.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

            Mqtt5BlockingClient pub = v5("hv5-" + name + "p");
            pub.connect();
            publish(pub, topic, "x", 30, false);
            await().atMost(TIMEOUT).until(() -> got.size() == 1 && paho.received().size() == 1);
            assertThat(got.get(0).getMessageExpiryInterval()).isEqualTo(OptionalLong.of(30));
            assertThat(paho.rawReceived().get(0).getProperties().getMessageExpiryInterval()).isEqualTo(30L);
            hive.disconnect();
            pub.disconnect();
        }
    }

    private static void publish(Mqtt5BlockingClient c, String topic, String payload, long expiry, boolean retain) {
        var b = c.publishWith().topic(topic).payload(payload.getBytes(StandardCharsets.UTF_8))
            .qos(MqttQos.AT_LEAST_ONCE).retain(retain);
        if (expiry >= 0) {
            b.messageExpiryInterval(expiry).send();
        } else {
            b.send();
        }
    }

    private static List<String> payloads(List<Mqtt5Publish> got) {
        return got.stream().map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).toList();
    }

    private static Mqtt5BlockingClient v5(String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
    }
}
