package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * Session expiry: the MQTT 5 Session Expiry Interval from CONNECT, changed by DISCONNECT
 * (section 3.14.2.2.2); 0 or absent ends the session with the connection; MQTT 3.x persistent
 * sessions live {@code defaultMqttSessionExpiryInterval} (1 s here). An expired session's queued
 * messages are gone and the client is told there is no session.
 */
class SessionExpiryIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withMqtt(m -> m.sessionScanIntervalMs(100)
        .defaultMqttSessionExpiryInterval(1));

    @Test
    void mqtt5SessionEndsWhenItsExpiryIntervalPasses() {
        String name = TestClient.unique("se");
        String id = "hv5-" + name;
        String topic = "se/" + name;
        long expiredBefore = broker.broker().metrics().sessionsExpired.sum();
        Mqtt5BlockingClient first = v5(id);
        first.connectWith().cleanStart(true).sessionExpiryInterval(1).send();
        first.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();
        assertThat(broker.broker().sessions().get(id)).as("kept after the connection").isNotNull();
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            pub.connect();
            pub.publish(topic, "queued for a session that expires", 1);
            await().atMost(TIMEOUT).until(() -> broker.broker().sessions().get(id) == null);
            assertThat(broker.broker().metrics().sessionsExpired.sum() - expiredBefore).isEqualTo(1);
            assertResumesNothing(name, topic, pub);
        }
    }

    @Test
    void disconnectCanShortenTheExpiryToZero() {
        String name = TestClient.unique("sz");
        String id = "hv5-" + name;
        Mqtt5BlockingClient first = v5(id);
        first.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        first.subscribeWith().topicFilter("sz/" + name).qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnectWith().sessionExpiryInterval(0).send();
        await().atMost(TIMEOUT).until(() -> broker.broker().sessions().get(id) == null);
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            pub.connect();
            assertResumesNothing(name, "sz/" + name, pub);
        }
    }

    @Test
    void disconnectCanLengthenTheExpiry() {
        String name = TestClient.unique("sl");
        String id = "hv5-" + name;
        String topic = "sl/" + name;
        Mqtt5BlockingClient first = v5(id);
        first.connectWith().cleanStart(true).sessionExpiryInterval(1).send();
        first.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnectWith().sessionExpiryInterval(300).send();
        // outlives the interval it connected with
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
            .until(() -> broker.broker().sessions().get(id) != null);
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port());
             TestClient again = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
            pub.connect();
            pub.publish(topic, "kept", 1);
            assertThat(again.connect(true, null)).as("session present").isTrue();
            await().atMost(TIMEOUT).until(() -> again.payloads().contains("kept"));
        }
    }

    @Test
    void mqtt5SessionWithoutExpiryEndsWithTheConnection() {
        String name = TestClient.unique("s0");
        String id = "hv5-" + name;
        Mqtt5BlockingClient first = v5(id);
        first.connectWith().cleanStart(false).send(); // no Session Expiry Interval: 0 (section 3.1.2.11.2)
        first.subscribeWith().topicFilter("s0/" + name).qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();
        await().atMost(TIMEOUT).until(() -> broker.broker().sessions().get(id) == null);
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            pub.connect();
            assertResumesNothing(name, "s0/" + name, pub);
        }
    }

    @Test
    void mqtt3PersistentSessionLivesTheDefaultExpiryInterval() {
        String name = TestClient.unique("s3");
        String id = "hv3-" + name;
        try (TestClient first = TestClient.create(Kind.HIVEMQ_V311, name, broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            first.connect(true, null);
            first.subscribe("s3/" + name, 1);
            first.disconnect();
            assertThat(broker.broker().sessions().get(id)).isNotNull();
            pub.connect();
            pub.publish("s3/" + name, "lost with the session", 1);
            await().atMost(TIMEOUT).until(() -> broker.broker().sessions().get(id) == null);
            try (TestClient again = TestClient.create(Kind.HIVEMQ_V311, name, broker.port())) {
                assertThat(again.connect(true, null)).as("session present").isFalse();
                again.subscribe("s3/" + name, 1);
                pub.publish("s3/" + name, "fence", 1);
                await().atMost(TIMEOUT).until(() -> again.payloads().contains("fence"));
                assertThat(again.payloads()).containsExactly("fence");
            }
        }
    }

    /** Reconnects to the (expired) session: no session, nothing queued, no subscription left. */
    private static void assertResumesNothing(String name, String topic, TestClient pub) {
        try (TestClient again = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
            assertThat(again.connect(true, null)).as("session present").isFalse();
            pub.publish(topic, "not subscribed", 1);
            again.subscribe(topic, 1);
            pub.publish(topic, "fence", 1);
            await().atMost(TIMEOUT).until(() -> again.payloads().contains("fence"));
            assertThat(again.payloads()).containsExactly("fence");
        }
    }

    private static Mqtt5BlockingClient v5(String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
    }
}
