package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.tern.broker.test.EmbeddedBroker;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * Flow control toward a slow MQTT 5 consumer: it announces a small Receive Maximum and keeps that
 * many messages unacknowledged for as long as more are coming, acknowledging the oldest (on
 * another thread) only when the window is full. The broker must never have more messages
 * unacknowledged than the Receive Maximum (section 4.9), must fill the window (the excess waits in
 * the session's queue; a broker that held back would stall the consumer), and must lose nothing at
 * QoS 1 or 2.
 *
 * <p>The consumer counts a message as unacknowledged from its arrival until just before it hands
 * the acknowledgement over, so its count is never above the broker's: a count above the Receive
 * Maximum means the broker sent too many.
 */
class FlowControlIT {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int RECEIVE_MAXIMUM = 5;
    private static final int MESSAGES = 100;

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @RegisterExtension
    static EmbeddedBroker smallInflight = EmbeddedBroker.withMqtt(m -> m.maxInflightMessages(RECEIVE_MAXIMUM));

    private static ExecutorService acker;

    @BeforeAll
    static void startAcker() {
        acker = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stopAcker() {
        acker.shutdownNow();
    }

    /**
     * Holds up to {@code window} messages unacknowledged: when the window is full it acknowledges
     * the oldest; once {@code total} messages have arrived it acknowledges the rest.
     */
    static final class SlowConsumer {
        private final int window;
        private final int total;
        private final ArrayDeque<Runnable> unacknowledged = new ArrayDeque<>();
        private int outstanding;
        private int max;
        final List<String> payloads = new CopyOnWriteArrayList<>();

        SlowConsumer(int window, int total) {
            this.window = window;
            this.total = total;
        }

        synchronized void arrived(String payload, Runnable acknowledge) {
            payloads.add(payload);
            unacknowledged.add(acknowledge);
            max = Math.max(max, ++outstanding);
            if (payloads.size() >= total) {
                while (!unacknowledged.isEmpty()) {
                    acknowledgeOldest();
                }
            } else if (outstanding >= window) {
                acknowledgeOldest();
            }
        }

        private void acknowledgeOldest() {
            outstanding--;
            acker.execute(unacknowledged.poll()); // on another thread, after this one returns
        }

        synchronized int max() {
            return max;
        }

        synchronized boolean done() {
            return payloads.size() >= total && unacknowledged.isEmpty();
        }
    }

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    void hivemqSlowConsumerNeverHoldsMoreThanItsReceiveMaximum(int qos) {
        String name = TestClient.unique("fc");
        String topic = "fc/" + name;
        SlowConsumer o = new SlowConsumer(RECEIVE_MAXIMUM, MESSAGES);
        Mqtt5AsyncClient sub = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        sub.publishes(MqttGlobalPublishFilter.ALL,
            p -> o.arrived(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), p::acknowledge), true);
        sub.connectWith().restrictions().receiveMaximum(RECEIVE_MAXIMUM).applyRestrictions().send().join();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.fromCode(qos)).send().join();

        Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name + "p")
            .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        pub.connect().join();
        List<String> sent = IntStream.range(0, MESSAGES).mapToObj(i -> "m" + i).toList();
        CompletableFuture.allOf(sent.stream().map(p -> pub.publishWith().topic(topic).qos(MqttQos.fromCode(qos))
            .payload(p.getBytes(StandardCharsets.UTF_8)).send()).toArray(CompletableFuture[]::new)).join();

        await().atMost(TIMEOUT).until(o::done);
        assertThat(o.payloads).containsExactlyElementsOf(sent);
        assertThat(o.max()).as("most messages unacknowledged at once").isEqualTo(RECEIVE_MAXIMUM);
        pub.disconnect().join();
        sub.disconnect().join();
    }

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    void pahoSlowConsumerNeverHoldsMoreThanItsReceiveMaximum(int qos) throws Exception {
        String name = TestClient.unique("fp");
        String topic = "fp/" + name;
        SlowConsumer o = new SlowConsumer(RECEIVE_MAXIMUM, MESSAGES);
        WireTap tap = WireTap.start(broker.port());
        org.eclipse.paho.mqttv5.client.MqttClient sub = new org.eclipse.paho.mqttv5.client.MqttClient(
            "tcp://127.0.0.1:" + tap.port(), "p5-" + name, new MemoryPersistence());
        sub.setManualAcks(true);
        sub.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String t, MqttMessage m) {
                o.arrived(new String(m.getPayload(), StandardCharsets.UTF_8), () -> {
                    try {
                        sub.messageArrivedComplete(m.getId(), m.getQos());
                    } catch (MqttException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }

            @Override
            public void disconnected(MqttDisconnectResponse r) {
            }

            @Override
            public void mqttErrorOccurred(MqttException e) {
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String uri) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setReceiveMaximum(RECEIVE_MAXIMUM);
        sub.connect(options);
        sub.subscribe(new MqttSubscription[]{new MqttSubscription(topic, qos)});

        Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name + "p")
            .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        pub.connect().join();
        List<String> sent = IntStream.range(0, MESSAGES).mapToObj(i -> "m" + i).toList();
        CompletableFuture.allOf(sent.stream().map(p -> pub.publishWith().topic(topic).qos(MqttQos.fromCode(qos))
            .payload(p.getBytes(StandardCharsets.UTF_8)).send()).toArray(CompletableFuture[]::new)).join();

        await().atMost(TIMEOUT).until(o::done);
        assertThat(o.payloads).containsExactlyElementsOf(sent);
        assertThat(o.max()).as("most messages unacknowledged at once").isEqualTo(RECEIVE_MAXIMUM);
        assertThat(maxInFlightOnTheWire(tap, qos)).as("most messages unacknowledged on the wire")
            .isEqualTo(RECEIVE_MAXIMUM);
        pub.disconnect().join();
        sub.disconnect();
        sub.close(true);
        tap.close();
    }

    /** MQTT 3 clients have no Receive Maximum: {@code maxInflightMessages} is their window. */
    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    void mqtt3SlowConsumerNeverHoldsMoreThanMaxInflightMessages(int qos) {
        String name = TestClient.unique("f3");
        String topic = "f3/" + name;
        SlowConsumer o = new SlowConsumer(RECEIVE_MAXIMUM, MESSAGES);
        Mqtt3AsyncClient sub = MqttClient.builder().useMqttVersion3().identifier("hv3-" + name)
            .serverHost("127.0.0.1").serverPort(smallInflight.port()).buildAsync();
        sub.publishes(MqttGlobalPublishFilter.ALL,
            p -> o.arrived(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), p::acknowledge), true);
        sub.connect().join();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.fromCode(qos)).send().join();

        Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name + "p")
            .serverHost("127.0.0.1").serverPort(smallInflight.port()).buildAsync();
        pub.connect().join();
        List<String> sent = IntStream.range(0, MESSAGES).mapToObj(i -> "m" + i).toList();
        CompletableFuture.allOf(sent.stream().map(p -> pub.publishWith().topic(topic).qos(MqttQos.fromCode(qos))
            .payload(p.getBytes(StandardCharsets.UTF_8)).send()).toArray(CompletableFuture[]::new)).join();

        await().atMost(TIMEOUT).until(o::done);
        assertThat(o.payloads).containsExactlyElementsOf(sent);
        assertThat(o.max()).as("most messages unacknowledged at once").isEqualTo(RECEIVE_MAXIMUM);
        pub.disconnect().join();
        sub.disconnect().join();
    }

    /**
     * A session resumed with a smaller Receive Maximum than the connection that left messages in
     * flight: the broker resends them ([MQTT-4.4.0-1]) but still no more at once than the new
     * connection allows (section 4.9), and delivers every one.
     */
    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    void resumedSessionResendsNoMoreThanTheNewReceiveMaximum(int qos) {
        String name = TestClient.unique("fr");
        String id = "hv5-" + name;
        String topic = "fr/" + name;
        try (WireTap tap = WireTap.start(broker.port())) {
            Mqtt5AsyncClient holder = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(tap.port()).buildAsync();
            List<String> held = new CopyOnWriteArrayList<>();
            holder.publishes(MqttGlobalPublishFilter.ALL, p -> held.add(new String(p.getPayloadAsBytes(),
                StandardCharsets.UTF_8)), true); // never acknowledged
            holder.connectWith().cleanStart(true).sessionExpiryInterval(300)
                .restrictions().receiveMaximum(10).applyRestrictions().send().join();
            holder.subscribeWith().topicFilter(topic).qos(MqttQos.fromCode(qos)).send().join();

            Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().identifier(id + "p")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
            pub.connect().join();
            List<String> sent = IntStream.range(0, 20).mapToObj(i -> "m" + i).toList();
            CompletableFuture.allOf(sent.stream().map(p -> pub.publishWith().topic(topic).qos(MqttQos.fromCode(qos))
                .payload(p.getBytes(StandardCharsets.UTF_8)).send()).toArray(CompletableFuture[]::new)).join();
            await().atMost(TIMEOUT).until(() -> held.size() == 10);
            tap.cut();
            await().atMost(TIMEOUT).until(() -> !broker.broker().sessions().get(id).isOnline());

            try (WireTap second = WireTap.start(broker.port())) {
                SlowConsumer o = new SlowConsumer(2, sent.size());
                List<Throwable> closed = new CopyOnWriteArrayList<>();
                Mqtt5AsyncClient resumed = MqttClient.builder().useMqttVersion5().identifier(id)
                    .serverHost("127.0.0.1").serverPort(second.port())
                    .addDisconnectedListener(c -> closed.add(c.getCause())).buildAsync();
                resumed.publishes(MqttGlobalPublishFilter.ALL,
                    p -> o.arrived(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), p::acknowledge), true);
                resumed.connectWith().cleanStart(false).sessionExpiryInterval(300)
                    .restrictions().receiveMaximum(2).applyRestrictions().send().join();
                await().atMost(TIMEOUT).failFast("the resumed connection closed", () -> assertThat(closed).isEmpty())
                    .until(o::done);
                assertThat(o.payloads).containsExactlyElementsOf(sent);
                assertThat(maxInFlightOnTheWire(second, qos)).as("most unacknowledged on the resumed connection")
                    .isLessThanOrEqualTo(2);
                resumed.disconnect().join();
            }
            pub.disconnect().join();
        }
    }

    /**
     * The most PUBLISHes the broker had unacknowledged, from the packets in the order the tap saw
     * them: it records an acknowledgement before passing it to the broker and a PUBLISH after the
     * broker sent it, so this never overstates what the broker had in flight.
     */
    static int maxInFlightOnTheWire(WireTap tap, int qos) {
        int now = 0;
        int max = 0;
        int done = qos == 1 ? 4 : 7; // PUBACK or PUBCOMP
        for (WireTap.Frame f : tap.frames()) {
            if (f.direction() == WireTap.Direction.TO_CLIENT && f.type() == WireTap.PUBLISH) {
                max = Math.max(max, ++now);
            } else if (f.direction() == WireTap.Direction.TO_BROKER && f.type() == done) {
                now--;
            }
        }
        return max;
    }
}
