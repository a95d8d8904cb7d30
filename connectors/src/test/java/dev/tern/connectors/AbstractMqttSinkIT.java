package dev.tern.connectors;

import com.hazelcast.jet.Job;
import com.hazelcast.jet.core.JobStatus;
import com.hazelcast.jet.core.metrics.Measurement;
import com.hazelcast.jet.pipeline.Pipeline;
import com.hazelcast.jet.pipeline.Sink;
import com.hazelcast.jet.pipeline.SourceBuilder;
import com.hazelcast.jet.pipeline.StreamSource;
import com.hazelcast.jet.pipeline.test.TestSources;
import com.hazelcast.jet.retry.RetryStrategies;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.connectors.test.JetCluster;
import dev.tern.connectors.test.TcpProxy;
import dev.tern.connectors.test.TestBroker;
import dev.tern.connectors.test.TestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The MQTT sink against a real broker (Tern or Mosquitto, see the subclasses): the reference's
 * scenarios (1000 items; a cut connection survived with autoReconnect, a kept session and
 * retries), plus the sink reconnecting by itself under a retry strategy, failing loudly without
 * one, MQTT 5 properties, and MQTT 3.1.1.
 */
abstract class AbstractMqttSinkIT {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final int TOTAL = 1000;
    /**
     * Publishes a test keeps in flight at once: well below every broker's Receive Maximum here
     * (Mosquitto's is 20, its max_inflight_messages; Tern's 65535).
     */
    static final int IN_FLIGHT = 10;
    /** How many items the gated test source may emit so far. */
    static final AtomicInteger RELEASED = new AtomicInteger();

    static JetCluster cluster;

    abstract TestBroker broker();

    @BeforeAll
    static void startJet() {
        cluster = JetCluster.start(1);
    }

    @AfterAll
    static void stopJet() {
        cluster.close();
    }

    static String prefix() {
        return "s" + UUID.randomUUID().toString().substring(0, 8);
    }

    static List<Integer> items(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    /** A stream of 0..TOTAL-1 that emits only up to {@link #RELEASED}: lets a test cut the connection mid-stream. */
    static StreamSource<Integer> gated() {
        return SourceBuilder.stream("gated", ctx -> new int[1])
            .<Integer>fillBufferFn((next, buf) -> {
                while (next[0] < RELEASED.get() && next[0] < TOTAL) {
                    buf.add(next[0]++);
                }
            })
            .build();
    }

    static long metric(Job job, String name) {
        return job.getMetrics().get(name).stream().mapToLong(Measurement::value).sum();
    }

    static void awaitUntil(Job job, java.util.concurrent.Callable<Boolean> condition) {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (job.getStatus() == JobStatus.FAILED) {
                job.join();
            }
            return condition.call();
        });
    }

    /** Reference scenario: 1000 items, counted by a subscriber. */
    @Test
    void publishesAllItems() {
        String topic = prefix() + "/sink";
        try (TestClient subscriber = TestClient.connect(broker().uri())) {
            subscriber.subscribe(topic, 1);
            Sink<Integer> sink = MqttSinks.<Integer>builder()
                .broker(broker().uri())
                .clientId("producer")
                .topic(topic)
                .build();
            Pipeline p = Pipeline.create();
            p.readFrom(TestSources.items(items(TOTAL))).writeTo(sink);
            cluster.jet().newJob(p).join();
            await().atMost(TIMEOUT).until(() -> subscriber.distinct() == TOTAL);
            assertThat(subscriber.received()).containsAll(items(TOTAL).stream().map(String::valueOf).toList());
        }
    }

    /**
     * Reference scenario: the connection is cut after more than 500 items, while publishes are in
     * flight, and restored once the sink has tried to reconnect; with autoReconnect, a kept session,
     * QoS 2 and indefinite retries all 1000 distinct items arrive.
     */
    @Test
    void survivesCutConnectionWithAutoReconnectAndRetries() throws Exception {
        String topic = prefix() + "/cut";
        try (TcpProxy proxy = new TcpProxy(broker().port()); TestClient subscriber = TestClient.connect(broker().uri())) {
            subscriber.subscribe(topic, 2);
            Sink<Integer> sink = MqttSinks.<Integer>builder()
                .broker(proxy.uri())
                .clientId("cut-" + topic.replace('/', '-'))
                .topic(topic)
                .autoReconnect()
                .keepSession()
                .retryStrategy(RetryStrategies.indefinitely(1000))
                .messageFn((Integer i) -> MqttMessage.builder().payload(String.valueOf(i)).qos(2).build())
                .build();
            cutMidStream(proxy, subscriber, sink);
        }
    }

    /** Beyond the reference: without autoReconnect, a retry strategy makes the sink reconnect by itself and resend. */
    @Test
    void reconnectsByItselfUnderRetryStrategyWithoutAutoReconnect() throws Exception {
        String topic = prefix() + "/retry";
        try (TcpProxy proxy = new TcpProxy(broker().port()); TestClient subscriber = TestClient.connect(broker().uri())) {
            subscriber.subscribe(topic, 1);
            Sink<Integer> sink = MqttSinks.<Integer>builder()
                .broker(proxy.uri())
                .topic(topic)
                .retryStrategy(RetryStrategies.indefinitely(200))
                .build();
            cutMidStream(proxy, subscriber, sink);
        }
    }

    /**
     * The first half is published and acknowledged; then the broker's acknowledgements are held back,
     * the second half is released, and the connection is cut once the sink has sent {@link #IN_FLIGHT}
     * of those publishes: none of them can have been acknowledged to it, they were in flight at the cut.
     */
    private void cutMidStream(TcpProxy proxy, TestClient subscriber, Sink<Integer> sink) {
        RELEASED.set(TOTAL / 2);
        Pipeline p = Pipeline.create();
        p.readFrom(gated()).withoutTimestamps().writeTo(sink);
        Job job = cluster.jet().newJob(p);
        try {
            awaitUntil(job, () -> metric(job, "mqttPublished") == TOTAL / 2);
            proxy.holdReplies();
            int sent = proxy.publishesSent();
            RELEASED.set(TOTAL);
            awaitUntil(job, () -> proxy.publishesSent() >= sent + IN_FLIGHT);
            proxy.cut();
            awaitUntil(job, () -> proxy.refused() >= 1);
            proxy.restore();
            awaitUntil(job, () -> subscriber.distinct() == TOTAL);
            assertThat(job.getStatus()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel();
        }
    }

    /**
     * Beyond the reference: the sink pipelines. Once the broker's PUBACKs stop reaching it (held at
     * the proxy), a sink that waited for each acknowledgement would send one more PUBLISH and stop;
     * this one keeps sending within its window, {@link #IN_FLIGHT} publishes and more while none of
     * them is acknowledged to it: they are all in flight at once.
     */
    @Test
    void keepsManyPublishesInFlightAtOnce() throws Exception {
        String topic = prefix() + "/pipelined";
        try (TcpProxy proxy = new TcpProxy(broker().port()); TestClient subscriber = TestClient.connect(broker().uri())) {
            subscriber.subscribe(topic, 1);
            Sink<Integer> sink = MqttSinks.<Integer>builder().broker(proxy.uri()).topic(topic).build();
            RELEASED.set(1);
            Pipeline p = Pipeline.create();
            // one sink processor: one client, whose window is what this test measures
            p.readFrom(gated()).withoutTimestamps().writeTo(sink).setLocalParallelism(1);
            Job job = cluster.jet().newJob(p);
            try {
                awaitUntil(job, () -> metric(job, "mqttPublished") == 1); // connected, first PUBACK received
                proxy.holdReplies();
                int sent = proxy.publishesSent();
                RELEASED.set(TOTAL);
                awaitUntil(job, () -> proxy.publishesSent() >= sent + IN_FLIGHT);
                awaitUntil(job, () -> subscriber.distinct() >= 1 + IN_FLIGHT); // and they reached the broker
                assertThat(metric(job, "mqttPublished")).as("publishes acknowledged to the sink").isEqualTo(1);
                proxy.releaseReplies();
                awaitUntil(job, () -> subscriber.distinct() == TOTAL);
                awaitUntil(job, () -> metric(job, "mqttPublished") == TOTAL);
            } finally {
                job.cancel();
            }
        }
    }

    /**
     * A sink whose broker went away while it had publishes in flight and many more items to send can
     * still be cancelled. The HiveMQ client makes a publishing thread wait once it holds more
     * publishes than the broker's Receive Maximum lets it send (plus 64); the sink keeps no more
     * than that Receive Maximum outstanding (Mosquitto's is 20, below the default maxInflight of
     * 1024), so its Jet thread never waits there and the cancellation goes through.
     */
    @Test
    void aSinkCutOffWithPublishesOutstandingCanStillBeCancelled() throws Exception {
        String topic = prefix() + "/gone";
        try (TcpProxy proxy = new TcpProxy(broker().port())) {
            Sink<Integer> sink = MqttSinks.<Integer>builder()
                .broker(proxy.uri())
                .clientId("gone-" + topic.replace('/', '-'))
                .topic(topic)
                .autoReconnect()
                .keepSession()
                .retryStrategy(RetryStrategies.indefinitely(1000))
                .build();
            RELEASED.set(1);
            Pipeline p = Pipeline.create();
            p.readFrom(gated()).withoutTimestamps().writeTo(sink).setLocalParallelism(1);
            Job job = cluster.jet().newJob(p);
            awaitUntil(job, () -> metric(job, "mqttPublished") == 1);
            proxy.holdReplies();
            int sent = proxy.publishesSent();
            RELEASED.set(TOTAL);
            awaitUntil(job, () -> proxy.publishesSent() >= sent + IN_FLIGHT);
            proxy.cut(); // and never restored
            job.cancel();
            await().atMost(TIMEOUT).until(() -> job.getStatus() == JobStatus.FAILED);
        }
    }

    /** The default (no autoReconnect, RetryStrategies.never()): a cut connection fails the job. */
    @Test
    void failsTheJobWhenTheConnectionIsCutAndNothingMayRetry() throws Exception {
        String topic = prefix() + "/never";
        try (TcpProxy proxy = new TcpProxy(broker().port()); TestClient subscriber = TestClient.connect(broker().uri())) {
            subscriber.subscribe(topic, 1);
            Sink<Integer> sink = MqttSinks.<Integer>builder().broker(proxy.uri()).topic(topic).build();
            RELEASED.set(10);
            Pipeline p = Pipeline.create();
            p.readFrom(gated()).withoutTimestamps().writeTo(sink);
            Job job = cluster.jet().newJob(p);
            awaitUntil(job, () -> subscriber.distinct() == 10);
            proxy.cut();
            assertThatThrownBy(job::join).hasMessageContaining("lost and autoReconnect is off");
        }
    }

    /** MQTT 5 properties, QoS and retain set by messageFn reach the broker. */
    @Test
    void messageFnSetsQosRetainAndMqtt5Properties() {
        String topic = prefix() + "/props";
        Sink<String> sink = MqttSinks.<String>builder()
            .broker(broker().uri())
            .topic(topic)
            .messageFn((String s) -> MqttMessage.builder()
                .payload(s).qos(2).retain(true)
                .contentType("text/plain")
                .responseTopic(topic + "/reply")
                .correlationData("c-1".getBytes(StandardCharsets.UTF_8))
                .messageExpiryInterval(3600)
                .payloadUtf8(true)
                .userProperty("source", "jet")
                .build())
            .build();
        Pipeline p = Pipeline.create();
        p.readFrom(TestSources.items("hello")).writeTo(sink);
        long before = System.nanoTime();
        cluster.jet().newJob(p).join();
        // a subscriber that comes later gets the retained message with its properties
        try (TestClient subscriber = TestClient.connect(broker().uri())) {
            subscriber.subscribe(topic, 2);
            await().atMost(TIMEOUT).until(() -> !subscriber.publishes().isEmpty());
            long waitedSeconds = (System.nanoTime() - before) / 1_000_000_000L + 1;
            Mqtt5Publish m = subscriber.publishes().peek();
            assertThat(new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(m.isRetain()).isTrue();
            assertThat(m.getQos().getCode()).isEqualTo(2);
            assertThat(m.getContentType()).hasValueSatisfying(c -> assertThat(c.toString()).isEqualTo("text/plain"));
            assertThat(m.getResponseTopic()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo(topic + "/reply"));
            assertThat(m.getCorrelationData().map(StandardCharsets.UTF_8::decode).map(CharSequence::toString))
                .hasValue("c-1");
            // [MQTT-3.3.2-6] the broker sends the interval minus the time the message waited in it
            assertThat(m.getMessageExpiryInterval()).isPresent();
            assertThat(m.getMessageExpiryInterval().getAsLong()).isBetween(3600 - waitedSeconds, 3600L);
            assertThat(m.getPayloadFormatIndicator()).hasValue(Mqtt5PayloadFormatIndicator.UTF_8);
            assertThat(m.getUserProperties().asList())
                .anySatisfy(u -> {
                    assertThat(u.getName().toString()).isEqualTo("source");
                    assertThat(u.getValue().toString()).isEqualTo("jet");
                });
        }
    }

    /** The sink over MQTT 3.1.1. */
    @Test
    void publishesOverMqtt311() {
        String topic = prefix() + "/v311";
        try (TestClient subscriber = TestClient.connect(broker().uri())) {
            subscriber.subscribe(topic, 1);
            Sink<Integer> sink = MqttSinks.<Integer>builder()
                .broker(broker().uri())
                .topic(topic)
                .connectOptionsFn(() -> new MqttConnectOptions().setMqttVersion(MqttVersion.MQTT_3_1_1))
                .build();
            Pipeline p = Pipeline.create();
            p.readFrom(TestSources.items(items(100))).writeTo(sink);
            cluster.jet().newJob(p).join();
            await().atMost(TIMEOUT).until(() -> subscriber.distinct() == 100);
        }
    }
}
