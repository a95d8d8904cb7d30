package dev.tern.connectors;

import com.hazelcast.collection.IList;
import com.hazelcast.jet.Job;
import com.hazelcast.jet.pipeline.Pipeline;
import com.hazelcast.jet.pipeline.Sink;
import com.hazelcast.jet.pipeline.Sinks;
import com.hazelcast.jet.pipeline.StreamSource;
import com.hazelcast.jet.pipeline.test.TestSources;
import dev.tern.connectors.test.JetCluster;
import dev.tern.connectors.test.MosquittoTestBroker;
import dev.tern.connectors.test.TestClient;
import dev.tern.testkit.MosquittoProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Reference scenarios for a secured broker ({@code allow_anonymous false} and a password file):
 * source and sink work with the right password, and a job without a password or with a wrong one
 * fails on {@code join()} with the broker's refusal, also with autoReconnect on (a refusal that a
 * retry cannot fix is not retried). Mosquitto only: Tern has no password authentication yet.
 */
class MqttSecuredMosquittoIT {
    private static final String USER = "jet";
    private static final String PASSWORD = "s3cret";
    private static MosquittoTestBroker broker;
    private static JetCluster cluster;

    @BeforeAll
    static void start() {
        broker = MosquittoTestBroker.start(MosquittoProcess.passwordConfig(USER, PASSWORD));
        cluster = JetCluster.start(1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
        broker.close();
    }

    private static String prefix() {
        return "sec" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Job sourceJob(String topic, MqttSourceBuilder<byte[]> builder, IList<String> out) {
        StreamSource<String> source = builder.broker(broker.uri()).topic(topic)
            .mapToItemFn((t, m) -> m.payloadAsString()).build();
        Pipeline p = Pipeline.create();
        p.readFrom(source).withoutTimestamps().writeTo(Sinks.list(out));
        return cluster.jet().newJob(p);
    }

    @Test
    void sourceWithPasswordReceives() {
        String topic = prefix() + "/in";
        try (TestClient publisher = TestClient.connect(broker.uri(), USER, PASSWORD)) {
            publisher.publish(topic, "retain", 1, true);
            IList<String> out = cluster.member(0).getList("out-" + topic);
            Job job = sourceJob(topic, MqttSources.builder().auth(USER, PASSWORD.toCharArray()), out);
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> out.contains("retain"));
            } finally {
                job.cancel();
            }
        }
    }

    @Test
    void sourceWithoutPasswordFails() {
        String topic = prefix() + "/in";
        Job job = sourceJob(topic, MqttSources.builder().autoReconnect(), cluster.member(0).getList("out-" + topic));
        assertThatThrownBy(job::join).hasMessageContaining("refused the connection");
    }

    @Test
    void sourceWithWrongPasswordFails() {
        String topic = prefix() + "/in";
        Job job = sourceJob(topic, MqttSources.builder().auth(USER, "wrong".toCharArray()).autoReconnect(),
            cluster.member(0).getList("out-" + topic));
        assertThatThrownBy(job::join).hasMessageContaining("refused the connection");
    }

    private static Job sinkJob(String topic, MqttSinkBuilder<Integer> builder) {
        Sink<Integer> sink = builder.broker(broker.uri()).topic(topic).build();
        Pipeline p = Pipeline.create();
        p.readFrom(TestSources.items(IntStream.range(0, 1000).boxed().toList())).writeTo(sink);
        return cluster.jet().newJob(p);
    }

    @Test
    void sinkWithPasswordPublishesAll() {
        String topic = prefix() + "/out";
        try (TestClient subscriber = TestClient.connect(broker.uri(), USER, PASSWORD)) {
            subscriber.subscribe(topic, 1);
            sinkJob(topic, MqttSinks.<Integer>builder().auth(USER, PASSWORD.toCharArray())).join();
            await().atMost(Duration.ofSeconds(30)).until(() -> subscriber.distinct() == 1000);
            assertThat(subscriber.received()).hasSize(1000);
        }
    }

    @Test
    void sinkWithoutPasswordFails() {
        Job job = sinkJob(prefix() + "/out", MqttSinks.builder());
        assertThatThrownBy(job::join).hasMessageContaining("refused the connection");
    }

    @Test
    void sinkWithWrongPasswordFails() {
        Job job = sinkJob(prefix() + "/out", MqttSinks.<Integer>builder().auth(USER, "wrong".toCharArray()).autoReconnect());
        assertThatThrownBy(job::join).hasMessageContaining("refused the connection");
    }
}
