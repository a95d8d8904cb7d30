package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import dev.tern.broker.clients.TestClient.Will;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
 * Will messages (section 3.1.2.5) with every client library. A client "crashes" by having its
 * connection reset under it (a {@link WireTap} between it and the broker). A watcher subscribed to
 * the will topics counts what arrives; after the session is gone a fence message proves nothing
 * else came before it.
 */
class WillIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withMqtt(m -> m.sessionScanIntervalMs(100));

    private final List<Mqtt5Publish> wills = new CopyOnWriteArrayList<>();
    private final List<Long> arrivals = new CopyOnWriteArrayList<>();
    private Mqtt5BlockingClient watcher;
    private String base;

    @BeforeEach
    void watch() {
        base = "will/" + TestClient.unique("w");
        watcher = MqttClient.builder().useMqttVersion5().identifier(base.replace('/', '-') + "-watcher")
            .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        watcher.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> {
            arrivals.add(System.nanoTime());
            wills.add(p);
        });
        watcher.connect();
        watcher.subscribeWith().topicFilter(base + "/#").qos(MqttQos.EXACTLY_ONCE).send();
    }

    @AfterEach
    void stopWatching() {
        watcher.disconnect();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void connectionLossPublishesTheWillOnce(Kind kind) {
        String name = TestClient.unique("wl");
        try (WireTap tap = WireTap.start(broker.port());
             TestClient client = TestClient.create(kind, name, tap.port())) {
            client.connect(false, new Will(base + "/status", "gone", 1, false));
            tap.cut();
            awaitSessionGone(kind.shortName + "-" + name);
            fence();
            assertThat(received()).containsExactly(new Msg(base + "/status", "gone", 1, false),
                new Msg(base + "/fence", "fence", 1, false));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, mode = EnumSource.Mode.EXCLUDE, names = "PAHO_V31") // same library as PAHO_V311
    void normalDisconnectDiscardsTheWill(Kind kind) {
        String name = TestClient.unique("wn");
        try (TestClient client = TestClient.create(kind, name, broker.port())) {
            client.connect(false, new Will(base + "/status", "gone", 1, false));
            client.disconnect();
            awaitSessionGone(kind.shortName + "-" + name);
            fence();
            assertThat(received()).containsExactly(new Msg(base + "/fence", "fence", 1, false));
        }
    }

    @Test
    void retainedWillIsKeptForLaterSubscribers() {
        String name = TestClient.unique("wr");
        try (WireTap tap = WireTap.start(broker.port());
             TestClient client = TestClient.create(Kind.HIVEMQ_V311, name, tap.port());
             TestClient late = TestClient.create(Kind.PAHO_V311, name + "l", broker.port())) {
            client.connect(false, new Will(base + "/retained", "offline", 2, true));
            tap.cut();
            await().atMost(TIMEOUT).until(() -> wills.size() == 1);
            late.connect();
            late.subscribe(base + "/retained", 2);
            await().atMost(TIMEOUT).until(() -> late.received().size() == 1);
            assertThat(late.received()).containsExactly(new Msg(base + "/retained", "offline", 2, true));
        }
    }

    @Test
    void takeOverPublishesTheOldConnectionsWill() {
        String name = TestClient.unique("wt");
        try (TestClient first = TestClient.create(Kind.HIVEMQ_V5, name, broker.port());
             TestClient second = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
            first.connect(false, new Will(base + "/status", "taken over", 1, false));
            second.connect();
            await().atMost(TIMEOUT).until(() -> !first.isConnected());
            fence();
            assertThat(received()).containsExactly(new Msg(base + "/status", "taken over", 1, false),
                new Msg(base + "/fence", "fence", 1, false));
        }
    }

    @Test
    void disconnectWithWillMessagePublishesTheWillWithItsProperties() {
        String id = base.replace('/', '-') + "-c";
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        client.connectWith().willPublish().topic(base + "/status").payload("bye".getBytes(StandardCharsets.UTF_8))
            .qos(MqttQos.AT_LEAST_ONCE).contentType("text/plain").responseTopic(base + "/reply")
            .correlationData(new byte[]{1, 2, 3}).userProperties().add("k", "v").add("k", "w").applyUserProperties()
            .applyWillPublish().send();
        // DISCONNECT 0x04: a normal disconnect that asks for the will (section 3.14.2.1)
        client.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
        awaitSessionGone(id);
        fence();
        assertThat(received()).containsExactly(new Msg(base + "/status", "bye", 1, false),
            new Msg(base + "/fence", "fence", 1, false));
        Mqtt5Publish will = wills.get(0);
        assertThat(will.getContentType()).hasValueSatisfying(c -> assertThat(c.toString()).isEqualTo("text/plain"));
        assertThat(will.getResponseTopic()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo(base + "/reply"));
        assertThat(will.getCorrelationData()).hasValueSatisfying(b -> assertThat(bytes(b)).containsExactly(1, 2, 3));
        assertThat(will.getUserProperties().asList()).extracting(u -> u.getName() + "=" + u.getValue())
            .containsExactly("k=v", "k=w");
    }

    @Test
    void willDelayHoldsTheWillBack() {
        String id = base.replace('/', '-') + "-d";
        try (WireTap tap = WireTap.start(broker.port())) {
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(tap.port()).buildBlocking();
            client.connectWith().sessionExpiryInterval(60).willPublish().topic(base + "/status")
                .payload("late".getBytes(StandardCharsets.UTF_8)).qos(MqttQos.AT_LEAST_ONCE).delayInterval(1)
                .applyWillPublish().send();
            long cut = System.nanoTime();
            tap.cut();
            await().atMost(TIMEOUT).until(() -> wills.size() == 1);
            assertThat(received()).containsExactly(new Msg(base + "/status", "late", 1, false));
            assertThat((arrivals.get(0) - cut) / 1_000_000).as("ms from the connection loss to the will")
                .isGreaterThanOrEqualTo(1000);
        }
    }

    @Test
    void reconnectingWithinTheWillDelayCancelsTheWill() {
        String name = TestClient.unique("wc");
        String id = "hv5-" + name;
        try (WireTap tap = WireTap.start(broker.port());
             TestClient again = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(tap.port()).buildBlocking();
            client.connectWith().cleanStart(true).sessionExpiryInterval(60).willPublish().topic(base + "/status")
                .payload("late".getBytes(StandardCharsets.UTF_8)).qos(MqttQos.AT_LEAST_ONCE).delayInterval(1)
                .applyWillPublish().send();
            tap.cut();
            await().atMost(TIMEOUT).until(() -> !broker.broker().sessions().get(id).isOnline());
            assertThat(again.connect(true, null)).as("session present").isTrue();
            // [MQTT-3.1.3-9] a new connection to the session before the delay elapsed: no will, ever
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(wills::isEmpty);
        }
    }

    @Test
    void sessionEndingBeforeTheWillDelayPublishesTheWill() {
        String id = base.replace('/', '-') + "-e";
        try (WireTap tap = WireTap.start(broker.port())) {
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(tap.port()).buildBlocking();
            client.connectWith().sessionExpiryInterval(1).willPublish().topic(base + "/status")
                .payload("expired".getBytes(StandardCharsets.UTF_8)).qos(MqttQos.AT_LEAST_ONCE).delayInterval(3600)
                .applyWillPublish().send();
            tap.cut();
            // the will waits for the earlier of its delay and the end of the session (section 3.1.2.5)
            await().atMost(TIMEOUT).until(() -> wills.size() == 1);
            assertThat(received()).containsExactly(new Msg(base + "/status", "expired", 1, false));
            assertThat(broker.broker().sessions().get(id)).isNull();
        }
    }

    private void awaitSessionGone(String clientId) {
        await().atMost(TIMEOUT).until(() -> broker.broker().sessions().get(clientId) == null);
    }

    /** Published after the session is gone: a will published at its end would have come first. */
    private void fence() {
        try (TestClient f = TestClient.create(Kind.HIVEMQ_V5, TestClient.unique("f"), broker.port())) {
            f.connect();
            f.publish(base + "/fence", "fence", 1);
        }
        await().atMost(TIMEOUT).until(() -> wills.stream().anyMatch(p -> p.getTopic().toString().endsWith("/fence")));
    }

    private List<Msg> received() {
        return wills.stream().map(p -> new Msg(p.getTopic().toString(),
            new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), p.getQos().getCode(), p.isRetain())).toList();
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
