package dev.tern.broker.clients;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.broker.MqttConfig.QueueOverflowStrategy;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.metrics.BrokerMetrics;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * A burst larger than a client's queue ({@code maxQueuedMessages} beyond its in-flight window), with
 * both overflow strategies: {@code discard} keeps the oldest and drops the newcomers,
 * {@code discard-oldest} keeps the newest. Either way the client gets exactly the messages the
 * strategy keeps, once and in order, and every drop is counted in
 * {@code tern.messages.dropped{reason=queue-full}}.
 */
class QueueOverflowIT {
    static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final int QUEUE = 50;
    private static final int WINDOW = 10;
    private static final int BURST = 200;

    @RegisterExtension
    static EmbeddedBroker discard = EmbeddedBroker.withMqtt(m -> m.maxQueuedMessages(QUEUE));

    @RegisterExtension
    static EmbeddedBroker discardOldest = EmbeddedBroker.withMqtt(m -> m.maxQueuedMessages(QUEUE)
        .queueOverflowStrategy(QueueOverflowStrategy.DISCARD_OLDEST));

    /** Brokers of their own, so the first drop each sees is the one the rate-limited log reports. */
    @RegisterExtension
    static EmbeddedBroker sharedDiscard = EmbeddedBroker.withMqtt(m -> m.maxQueuedMessages(QUEUE));

    @RegisterExtension
    static EmbeddedBroker sharedDiscardOldest = EmbeddedBroker.withMqtt(m -> m.maxQueuedMessages(QUEUE)
        .queueOverflowStrategy(QueueOverflowStrategy.DISCARD_OLDEST));

    @Test
    void onlineSlowConsumerWithDiscardKeepsTheFirstMessages() {
        List<String> got = burstToStalledConsumer(discard);
        assertThat(got).containsExactlyElementsOf(concat(range(0, WINDOW + QUEUE), List.of("fence")));
    }

    @Test
    void onlineSlowConsumerWithDiscardOldestKeepsTheNewestMessages() {
        List<String> got = burstToStalledConsumer(discardOldest);
        assertThat(got).containsExactlyElementsOf(
            concat(range(0, WINDOW), range(BURST - QUEUE, BURST), List.of("fence")));
    }

    @Test
    void offlineSessionWithDiscardKeepsTheFirstMessages() {
        List<String> got = burstToOfflineSession(discard);
        assertThat(got).containsExactlyElementsOf(concat(range(0, QUEUE), List.of("fence")));
    }

    @Test
    void offlineSessionWithDiscardOldestKeepsTheNewestMessages() {
        List<String> got = burstToOfflineSession(discardOldest);
        assertThat(got).containsExactlyElementsOf(concat(range(BURST - QUEUE, BURST), List.of("fence")));
    }

    @Test
    void sharedGroupWithNoMemberOnlineAndDiscardKeepsTheFirstMessagesAndLogsTheDrop() {
        List<String> got = burstToOfflineSharedGroup(sharedDiscard);
        assertThat(got).containsExactlyElementsOf(concat(range(0, QUEUE), List.of("fence")));
    }

    @Test
    void sharedGroupWithNoMemberOnlineAndDiscardOldestKeepsTheNewestMessagesAndLogsTheDrop() {
        List<String> got = burstToOfflineSharedGroup(sharedDiscardOldest);
        assertThat(got).containsExactlyElementsOf(concat(range(BURST - QUEUE, BURST), List.of("fence")));
    }

    /**
     * A consumer with Receive Maximum {@value #WINDOW} holds every message unacknowledged while a
     * burst arrives, so {@value #WINDOW} are in flight, {@value #QUEUE} wait and the rest are dropped;
     * then it acknowledges everything and takes what the broker kept.
     */
    private static List<String> burstToStalledConsumer(EmbeddedBroker broker) {
        String name = TestClient.unique("ov");
        String topic = "ov/" + name;
        long droppedBefore = broker.broker().metrics().droppedQueueFull.sum();
        List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();
        boolean[] stalled = {true};
        Mqtt5AsyncClient sub = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        sub.publishes(MqttGlobalPublishFilter.ALL, p -> {
            received.add(p);
            synchronized (stalled) {
                if (!stalled[0]) {
                    p.acknowledge();
                }
            }
        }, true);
        sub.connectWith().restrictions().receiveMaximum(WINDOW).applyRestrictions().send().join();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send().join();

        Mqtt5AsyncClient pub = publisher(broker, name);
        publishBurst(pub, topic);
        await().atMost(TIMEOUT).until(() -> broker.broker().metrics().droppedQueueFull.sum() - droppedBefore
            == BURST - WINDOW - QUEUE);
        assertThat(received).hasSize(WINDOW);

        synchronized (stalled) {
            stalled[0] = false;
            received.forEach(Mqtt5Publish::acknowledge);
        }
        await().atMost(TIMEOUT).until(() -> received.size() == WINDOW + QUEUE);
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("fence".getBytes(StandardCharsets.UTF_8))
            .send().join();
        await().atMost(TIMEOUT).until(() -> received.size() == WINDOW + QUEUE + 1);
        assertThat(broker.broker().metrics().droppedQueueFull.sum() - droppedBefore).isEqualTo(BURST - WINDOW - QUEUE);
        pub.disconnect().join();
        sub.disconnect().join();
        return received.stream().map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).toList();
    }

    private static List<String> burstToOfflineSession(EmbeddedBroker broker) {
        String name = TestClient.unique("oo");
        String topic = "oo/" + name;
        long droppedBefore = broker.broker().metrics().droppedQueueFull.sum();
        try (TestClient first = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
            first.connect(true, null);
            first.subscribe(topic, 2);
            first.disconnect();
        }
        Mqtt5AsyncClient pub = publisher(broker, name);
        publishBurst(pub, topic);
        await().atMost(TIMEOUT).until(() -> broker.broker().metrics().droppedQueueFull.sum() - droppedBefore
            == BURST - QUEUE);
        try (TestClient second = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
            assertThat(second.connect(true, null)).isTrue();
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("fence".getBytes(StandardCharsets.UTF_8))
                .send().join();
            await().atMost(TIMEOUT).until(() -> second.payloads().contains("fence"));
            pub.disconnect().join();
            assertThat(broker.broker().metrics().droppedQueueFull.sum() - droppedBefore).isEqualTo(BURST - QUEUE);
            return second.payloads();
        }
    }

    /**
     * The only member of a shared group is offline, so the group keeps what arrives, up to
     * {@value #QUEUE}; the drops are counted and (rate-limited) logged, "never silent".
     */
    private static List<String> burstToOfflineSharedGroup(EmbeddedBroker broker) {
        String name = TestClient.unique("og");
        String topic = "og/" + name;
        long droppedBefore = broker.broker().metrics().droppedQueueFull.sum();
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger metricsLog = (Logger) LoggerFactory.getLogger(BrokerMetrics.class);
        log.start();
        metricsLog.addAppender(log);
        try {
            try (TestClient member = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
                member.connect(true, null);
                member.subscribe("$share/g/" + topic, 1);
                member.disconnect();
            }
            await().atMost(TIMEOUT).until(() -> !broker.broker().sessions().get("hv5-" + name).isOnline());
            Mqtt5AsyncClient pub = publisher(broker, name);
            publishBurst(pub, topic);
            assertThat(broker.broker().metrics().droppedQueueFull.sum() - droppedBefore).isEqualTo(BURST - QUEUE);
            assertThat(log.list).as("drop log lines").anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("queue-full").contains(topic);
            });
            try (TestClient member = TestClient.create(Kind.HIVEMQ_V5, name, broker.port())) {
                assertThat(member.connect(true, null)).isTrue();
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("fence".getBytes(StandardCharsets.UTF_8))
                    .send().join();
                await().atMost(TIMEOUT).until(() -> member.payloads().contains("fence"));
                pub.disconnect().join();
                return member.payloads();
            }
        } finally {
            metricsLog.detachAppender(log);
        }
    }

    private static Mqtt5AsyncClient publisher(EmbeddedBroker broker, String name) {
        Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name + "p")
            .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        pub.connect().join();
        return pub;
    }

    private static void publishBurst(Mqtt5AsyncClient pub, String topic) {
        CompletableFuture.allOf(range(0, BURST).stream().map(p -> pub.publishWith().topic(topic)
            .qos(MqttQos.AT_LEAST_ONCE).payload(p.getBytes(StandardCharsets.UTF_8)).send())
            .toArray(CompletableFuture[]::new)).join();
    }

    private static List<String> range(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "m" + i).toList();
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> out = new ArrayList<>();
        Stream.of(parts).forEach(out::addAll);
        return out;
    }
}
