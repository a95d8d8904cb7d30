package dev.tern.connectors;

import com.hazelcast.collection.IList;
import com.hazelcast.jet.Job;
import com.hazelcast.jet.RestartableException;
import com.hazelcast.jet.config.JobConfig;
import com.hazelcast.jet.config.ProcessingGuarantee;
import com.hazelcast.jet.core.JobStatus;
import com.hazelcast.jet.core.metrics.JobMetrics;
import com.hazelcast.jet.core.metrics.Measurement;
import com.hazelcast.jet.pipeline.Pipeline;
import com.hazelcast.jet.pipeline.ServiceFactories;
import com.hazelcast.jet.pipeline.Sinks;
import com.hazelcast.jet.pipeline.StreamSource;
import com.hazelcast.jet.pipeline.StreamStage;
import com.hazelcast.map.IMap;
import dev.tern.connectors.Subscription.QualityOfService;
import dev.tern.connectors.test.JetCluster;
import dev.tern.connectors.test.TcpProxy;
import dev.tern.connectors.test.TestBroker;
import dev.tern.connectors.test.TestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The MQTT source against a real broker (Tern or Mosquitto, see the subclasses) and an embedded
 * Jet member: the reference connector's scenarios, plus fault tolerance across a job restart,
 * back-pressure through Receive Maximum, loud failure on connection loss and the distributed
 * (shared subscription) source on a two-member cluster.
 */
abstract class AbstractMqttSourceIT {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Lets exactly one item fail the job, to force a restart from the last snapshot. */
    static final AtomicBoolean FAIL_ONCE = new AtomicBoolean();
    static final AtomicInteger FAIL_AT = new AtomicInteger();

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
        return "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    static long metric(Job job, String name) {
        return sum(job.getMetrics(), name);
    }

    static long sum(JobMetrics metrics, String name) {
        return metrics.get(name).stream().mapToLong(Measurement::value).sum();
    }

    /** Waits for {@code condition}, failing at once (with the job's error) if the job fails meanwhile. */
    static void awaitUntil(Job job, java.util.concurrent.Callable<Boolean> condition) {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (job.getStatus() == JobStatus.FAILED) {
                job.join();
            }
            return condition.call();
        });
    }

    static void awaitRunning(Job job) {
        awaitUntil(job, () -> job.getStatus() == JobStatus.RUNNING);
    }

    /** Reference scenario: a retained message and 100 messages on each of 3 topics, at EXACTLY_ONCE. */
    @Test
    void receivesRetainedAndAllMessagesOfThreeTopics() {
        String p = prefix();
        List<String> topics = List.of(p + "/topic1", p + "/topic2", p + "/topic3");
        try (TestClient publisher = TestClient.connect(broker().uri())) {
            topics.forEach(t -> publisher.publish(t, "retain", 2, true));
            StreamSource<String> source = MqttSources.builder()
                .broker(broker().uri())
                .clientId("consumer-" + p)
                .subscriptions(topics.stream().map(t -> Subscription.of(t, QualityOfService.EXACTLY_ONCE))
                    .toArray(Subscription[]::new))
                .mapToItemFn((topic, message) -> topic + ":" + message.payloadAsString())
                .build();
            IList<String> out = cluster.member(0).getList("out-" + p);
            Pipeline pipeline = Pipeline.create();
            pipeline.readFrom(source).withoutTimestamps().writeTo(Sinks.list(out));
            Job job = cluster.jet().newJob(pipeline);
            try {
                awaitUntil(job, () -> out.size() >= 3);
                for (String t : topics) {
                    publisher.publishAll(t, IntStream.range(0, 100).mapToObj(i -> "m" + i).toList(), 2);
                }
                awaitUntil(job, () -> out.size() >= 303);
                assertThat(out).hasSize(303);
                for (String t : topics) {
                    assertThat(out).contains(t + ":retain");
                    assertThat(out.stream().filter(s -> s.startsWith(t + ":m"))).hasSize(100);
                }
            } finally {
                job.cancel();
            }
        }
    }

    /** Reference scenario: the broker restarts; with autoReconnect the source resubscribes and goes on. */
    @Test
    void continuesAfterBrokerRestartWithAutoReconnect() {
        String p = prefix();
        String topic = p + "/restart";
        try (TestClient publisher = TestClient.connect(broker().uri())) {
            publisher.publish(topic, "retain", 2, true);
        }
        StreamSource<String> source = MqttSources.builder()
            .broker(broker().uri())
            .clientId("reconnect-" + p)
            .topic(topic)
            .qualityOfService(QualityOfService.EXACTLY_ONCE)
            .connectOptionsFn(() -> new MqttConnectOptions().setAutoReconnect(true).setReconnectInitialDelayMillis(100)
                .setReconnectMaxDelayMillis(500))
            .mapToItemFn((t, m) -> m.payloadAsString())
            .build();
        IList<String> out = cluster.member(0).getList("out-" + p);
        Pipeline pipeline = Pipeline.create();
        pipeline.readFrom(source).withoutTimestamps().writeTo(Sinks.list(out));
        Job job = cluster.jet().newJob(pipeline);
        try {
            awaitUntil(job, () -> out.contains("retain"));
            try (TestClient publisher = TestClient.connect(broker().uri())) {
                publisher.publish(topic, "before", 2);
            }
            awaitUntil(job, () -> out.contains("before"));

            broker().restart();

            AtomicInteger n = new AtomicInteger();
            try (TestClient publisher = TestClient.connect(broker().uri())) {
                awaitUntil(job, () -> {
                    publisher.publish(topic, "after-" + n.incrementAndGet(), 2);
                    return out.stream().anyMatch(s -> s.startsWith("after-"));
                });
            }
            assertThat(job.getStatus()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel();
        }
    }

    /**
     * Beyond the reference: a job that fails mid-stream restarts from its last snapshot and still
     * sees every QoS 1 message, because the source acknowledged only what that snapshot covers.
     * The stateful stage's state is rolled back to the snapshot; a source that acknowledged on
     * receipt would leave a hole here (at least the message that failed the job).
     */
    @ParameterizedTest
    @EnumSource(value = ProcessingGuarantee.class, names = {"AT_LEAST_ONCE", "EXACTLY_ONCE"})
    void jobRestartedFromSnapshotMidStreamLosesNoQos1Message(ProcessingGuarantee guarantee) {
        restartMidStreamLosesNothing(guarantee, null);
    }

    /**
     * The fault-tolerant source distributed: two clients (local parallelism 2) in one shared
     * subscription, each with its kept session. After the restart each client resumes its own
     * session and gets back what it had not acknowledged, so the shared group loses nothing either.
     */
    @Test
    void faultTolerantSharedSubscriptionRestartedMidStreamLosesNoQos1Message() {
        restartMidStreamLosesNothing(ProcessingGuarantee.AT_LEAST_ONCE, "ft-workers");
    }

    /** {@code sharedGroup}: null for one client, else two clients in that shared subscription. */
    private void restartMidStreamLosesNothing(ProcessingGuarantee guarantee, String sharedGroup) {
        String p = prefix();
        String topic = p + "/ft";
        int total = 1000;
        MqttSourceBuilder<Integer> builder = MqttSources.builder()
            .broker(broker().uri())
            .clientId("ft-" + p)
            .topic(topic)
            .keepSession()
            .autoReconnect()
            // probes are dropped here (and so acknowledged at once): they only show that the clients subscribed
            .mapToItemFn((t, m) -> m.payloadAsString().startsWith("probe") ? null : Integer.parseInt(m.payloadAsString()));
        if (sharedGroup != null) {
            builder.sharedSubscription(sharedGroup);
        }
        StreamSource<Integer> source = builder.build();
        IMap<Integer, Integer> progress = cluster.member(0).getMap("progress-" + p);
        FAIL_AT.set(total * 3 / 4);
        FAIL_ONCE.set(true);
        Pipeline pipeline = Pipeline.create();
        StreamStage<Integer> items = pipeline.readFrom(source).withoutTimestamps();
        if (sharedGroup != null) {
            items.setLocalParallelism(2); // the source's stage: two clients in the group
        }
        items
            .map(n -> {
                if (n == FAIL_AT.get() && FAIL_ONCE.compareAndSet(true, false)) {
                    throw new RestartableException("injected failure at message " + n);
                }
                return n;
            })
            .groupingKey(n -> 0)
            .mapStateful(BitSet::new, (seen, key, n) -> {
                seen.set(n);
                return Map.entry(key, seen.cardinality());
            })
            .writeTo(Sinks.map(progress));
        Job job = cluster.jet().newJob(pipeline, new JobConfig()
            .setProcessingGuarantee(guarantee)
            .setSnapshotIntervalMillis(200));
        try (TestClient publisher = TestClient.connect(broker().uri())) {
            // every client of the source has subscribed once each has received a probe
            int clients = sharedGroup == null ? 1 : 2;
            AtomicInteger probes = new AtomicInteger();
            awaitUntil(job, () -> {
                publisher.publish(topic, "probe" + probes.incrementAndGet(), 1);
                return job.getMetrics().get("mqttReceived").stream().filter(m -> m.value() > 0).count() == clients;
            });
            // the first half, and wait until a snapshot covers it and the source acknowledged it
            publisher.publishAll(topic, IntStream.range(0, total / 2).mapToObj(String::valueOf).toList(), 1);
            awaitUntil(job, () -> Integer.valueOf(total / 2).equals(progress.get(0)));
            awaitUntil(job, () -> {
                // from one metrics snapshot: all received (probes, then the first half) is acknowledged
                JobMetrics m = job.getMetrics();
                long received = sum(m, "mqttReceived");
                return received >= total / 2 && sum(m, "mqttAcknowledged") == received;
            });
            // the second half: message 750 fails the job, which restarts from the last snapshot
            publisher.publishAll(topic, IntStream.range(total / 2, total).mapToObj(String::valueOf).toList(), 1);
            awaitUntil(job, () -> !FAIL_ONCE.get());
            awaitUntil(job, () -> Integer.valueOf(total).equals(progress.get(0)));
        } finally {
            job.cancel();
        }
    }

    /**
     * A job cancelled while its source is between two connection attempts. The HiveMQ client answers
     * the source's DISCONNECT with "not connected" and still makes the attempt under way; that
     * connection must not stay, and nothing the broker redelivers on it may be acknowledged: the
     * messages the job took but no snapshot covered stay in the session for the next client.
     */
    @Test
    void aJobCancelledWhileItsSourceReconnectsLeavesItsUnacknowledgedMessagesInTheSession() throws Exception {
        String p = prefix();
        String topic = p + "/cancel";
        String clientId = "cancel-" + p;
        // fewer than Mosquitto sends unacknowledged (max_inflight_messages 20)
        List<String> messages = IntStream.range(0, 10).mapToObj(i -> "m" + i).toList();
        try (TcpProxy proxy = new TcpProxy(broker().port())) {
            StreamSource<String> source = MqttSources.builder()
                .broker(proxy.uri())
                .clientId(clientId)
                .topic(topic)
                .connectOptionsFn(() -> new MqttConnectOptions().setKeepSession(true).setAutoReconnect(true)
                    .setReconnectInitialDelayMillis(100).setReconnectMaxDelayMillis(100).setConnectTimeoutMillis(60_000))
                // probes are dropped here, so acknowledged at once: only the messages stay unacknowledged
                .mapToItemFn((t, m) -> m.payloadAsString().startsWith("probe") ? null : m.payloadAsString())
                .build();
            IList<String> out = cluster.member(0).getList("out-" + p);
            Pipeline pipeline = Pipeline.create();
            pipeline.readFrom(source).withoutTimestamps().writeTo(Sinks.list(out));
            // no snapshot completes while the test runs: the source acknowledges none of the messages
            Job job = cluster.jet().newJob(pipeline, new JobConfig()
                .setProcessingGuarantee(ProcessingGuarantee.AT_LEAST_ONCE).setSnapshotIntervalMillis(3_600_000));
            try (TestClient publisher = TestClient.connect(broker().uri())) {
                AtomicInteger probe = new AtomicInteger();
                awaitUntil(job, () -> {
                    publisher.publish(topic, "probe" + probe.incrementAndGet(), 1);
                    return metric(job, "mqttReceived") > 0;
                });
                publisher.publishAll(topic, messages, 1);
                awaitUntil(job, () -> out.containsAll(messages));
            }
            // the connection drops; the client's next attempt is held at the proxy, unanswered
            proxy.suspend();
            awaitUntil(job, () -> proxy.waiting() >= 1);
            job.cancel();
            await().atMost(TIMEOUT).until(() -> job.getStatus() == JobStatus.FAILED);

            // the attempt gets through after the source was closed: the client must leave again
            int accepted = proxy.accepted();
            proxy.restore();
            await().atMost(TIMEOUT).until(() -> proxy.accepted() > accepted);
            await().atMost(TIMEOUT).until(() -> proxy.openConnections() == 0);
        }
        try (TestClient next = TestClient.resumeSession(broker().uri(), clientId)) {
            await().atMost(TIMEOUT).until(() -> next.received().containsAll(messages));
        }
    }

    /**
     * Beyond the reference: a tiny Receive Maximum (so a buffer of 10) and acknowledgements held
     * until each snapshot: the broker must hold messages back rather than the source buffering
     * them, and nothing is lost or fails on the way.
     */
    @Test
    void backPressureThroughReceiveMaximumLosesNothing() {
        String p = prefix();
        String topic = p + "/bp";
        int total = 300;
        StreamSource<String> source = MqttSources.builder()
            .broker(broker().uri())
            .clientId("bp-" + p)
            .topic(topic)
            .connectOptionsFn(() -> new MqttConnectOptions().setKeepSession(true).setReceiveMaximum(10))
            .mapToItemFn((t, m) -> m.payloadAsString())
            .build();
        IList<String> out = cluster.member(0).getList("out-" + p);
        Pipeline pipeline = Pipeline.create();
        pipeline.readFrom(source).withoutTimestamps().writeTo(Sinks.list(out));
        Job job = cluster.jet().newJob(pipeline, new JobConfig()
            .setProcessingGuarantee(ProcessingGuarantee.AT_LEAST_ONCE)
            .setSnapshotIntervalMillis(50));
        try (TestClient publisher = TestClient.connect(broker().uri())) {
            awaitRunning(job);
            publisher.subscribe(topic + "/never", 0); // ensure the publisher is fully connected first
            awaitUntil(job, () -> {
                publisher.publish(topic, "probe", 1);
                return out.contains("probe");
            });
            publisher.publishAll(topic, IntStream.range(0, total).mapToObj(i -> "m" + i).toList(), 1);
            awaitUntil(job, () -> out.stream().filter(s -> s.startsWith("m")).distinct().count() == total);
            assertThat(job.getStatus()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel();
        }
    }

    /** Beyond the reference (gap 24): without autoReconnect a lost connection fails the job instead of going quiet. */
    @Test
    void lostConnectionWithoutAutoReconnectFailsTheJob() throws Exception {
        String p = prefix();
        try (TcpProxy proxy = new TcpProxy(broker().port())) {
            StreamSource<String> source = MqttSources.builder()
                .broker(proxy.uri())
                .clientId("quiet-" + p)
                .topic(p + "/x")
                .mapToItemFn((t, m) -> m.payloadAsString())
                .build();
            IList<String> out = cluster.member(0).getList("out-" + p);
            Pipeline pipeline = Pipeline.create();
            pipeline.readFrom(source).withoutTimestamps().writeTo(Sinks.list(out));
            Job job = cluster.jet().newJob(pipeline);
            try (TestClient publisher = TestClient.connect(broker().uri())) {
                awaitUntil(job, () -> {
                    publisher.publish(p + "/x", "probe", 1);
                    return out.contains("probe");
                });
            }
            proxy.cut();
            assertThatThrownBy(job::join).hasMessageContaining("lost and autoReconnect is off");
            assertThat(job.getStatus()).isEqualTo(JobStatus.FAILED);
        }
    }

    /** The same source over MQTT 3.1.1 (manual acknowledgement works there too). */
    @Test
    void receivesOverMqtt311() {
        String p = prefix();
        StreamSource<String> source = MqttSources.builder()
            .broker(broker().uri())
            .clientId("v311-" + p)
            .topic(p + "/#")
            .connectOptionsFn(() -> new MqttConnectOptions().setMqttVersion(MqttVersion.MQTT_3_1_1).setKeepSession(true))
            .mapToItemFn((t, m) -> t + "=" + m.payloadAsString())
            .build();
        IList<String> out = cluster.member(0).getList("out-" + p);
        Pipeline pipeline = Pipeline.create();
        pipeline.readFrom(source).withoutTimestamps().writeTo(Sinks.list(out));
        Job job = cluster.jet().newJob(pipeline, new JobConfig()
            .setProcessingGuarantee(ProcessingGuarantee.AT_LEAST_ONCE).setSnapshotIntervalMillis(100));
        try (TestClient publisher = TestClient.connect(broker().uri())) {
            awaitUntil(job, () -> {
                publisher.publish(p + "/probe", "x", 1);
                return !out.isEmpty();
            });
            publisher.publishAll(p + "/a/b", IntStream.range(0, 50).mapToObj(i -> "v" + i).toList(), 2);
            awaitUntil(job, () -> out.stream().filter(s -> s.startsWith(p + "/a/b=v")).distinct().count() == 50);
        } finally {
            job.cancel();
        }
    }

    /**
     * Beyond the reference (gap 23): with sharedSubscription each member's processor has its own
     * client in {@code $share/group/...}; the broker splits the messages between the two members
     * and every one of them arrives.
     */
    @Test
    void sharedSubscriptionOnTwoMembersSplitsLoadAndLosesNothing() {
        String p = prefix();
        String topic = p + "/load";
        int total = 1000;
        try (JetCluster two = JetCluster.start(2)) {
            StreamSource<String> source = MqttSources.builder()
                .broker(broker().uri())
                .clientId("shared-" + p)
                .topic(topic)
                .sharedSubscription("workers")
                .mapToItemFn((t, m) -> m.payloadAsString())
                .build();
            IList<String> out = two.member(0).getList("out-" + p);
            Pipeline pipeline = Pipeline.create();
            pipeline.readFrom(source).withoutTimestamps()
                .mapUsingService(ServiceFactories.sharedService(
                        ctx -> ctx.hazelcastInstance().getCluster().getLocalMember().getUuid().toString()),
                    (member, item) -> member + "|" + item)
                .writeTo(Sinks.list(out));
            Job job = two.jet().newJob(pipeline);
            try (TestClient publisher = TestClient.connect(broker().uri())) {
                // both members' clients are subscribed once probes come back through both
                AtomicInteger probe = new AtomicInteger();
                awaitUntil(job, () -> {
                    publisher.publish(topic, "probe" + probe.incrementAndGet(), 1);
                    return out.stream().map(s -> s.substring(0, s.indexOf('|'))).distinct().count() == 2;
                });
                publisher.publishAll(topic, IntStream.range(0, total).mapToObj(i -> "m" + i).toList(), 1);
                awaitUntil(job, () -> out.stream().filter(s -> s.contains("|m")).count() >= total);
                List<String> data = out.stream().filter(s -> s.contains("|m")).toList();
                Set<String> payloads = data.stream().map(s -> s.substring(s.indexOf('|') + 1)).collect(Collectors.toSet());
                assertThat(payloads).hasSize(total);
                Map<String, Long> perMember = data.stream()
                    .collect(Collectors.groupingBy(s -> s.substring(0, s.indexOf('|')), Collectors.counting()));
                assertThat(perMember).hasSize(2);
                assertThat(perMember.values()).allSatisfy(n -> assertThat(n).isPositive());
            } finally {
                job.cancel();
            }
        }
    }
}
