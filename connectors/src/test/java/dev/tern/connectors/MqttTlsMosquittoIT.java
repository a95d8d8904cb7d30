package dev.tern.connectors;

import com.hazelcast.collection.IList;
import com.hazelcast.jet.Job;
import com.hazelcast.jet.pipeline.Pipeline;
import com.hazelcast.jet.pipeline.Sinks;
import com.hazelcast.jet.pipeline.test.TestSources;
import dev.tern.connectors.test.JetCluster;
import dev.tern.connectors.test.MosquittoTestBroker;
import dev.tern.testkit.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Source and sink over {@code ssl://} against a Mosquitto TLS listener with a self-signed
 * certificate made for the test (openssl), trusted through {@code setTrustStore}; without that
 * trust store the handshake fails and so does the job. Tern has no TLS listener yet.
 */
class MqttTlsMosquittoIT {
    private static Path dir;
    private static Path trustStore;
    private static MosquittoTestBroker broker;
    private static JetCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tern-tls");
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir);
        trustStore = certificate.trustStore();
        broker = MosquittoTestBroker.start(List.of(
            "certfile " + certificate.cert(),
            "keyfile " + certificate.key()));
        cluster = JetCluster.start(1);
    }

    @AfterAll
    static void stop() throws IOException {
        cluster.close();
        broker.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private static String sslUri() {
        return "ssl://127.0.0.1:" + broker.port();
    }

    @Test
    void sinkToSourceOverTls() {
        String path = trustStore.toString();
        IList<String> out = cluster.member(0).getList("tls-out");
        Pipeline in = Pipeline.create();
        in.readFrom(MqttSources.builder()
                .broker(sslUri())
                .topic("tls/data")
                .connectOptionsFn(() -> new MqttConnectOptions().setTrustStore(path, SelfSignedCertificate.PASSWORD.toCharArray(), "PKCS12"))
                .mapToItemFn((t, m) -> m.payloadAsString())
                .build())
            .withoutTimestamps().writeTo(Sinks.list(out));
        Job source = cluster.jet().newJob(in);
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                publish(path, List.of(-1));
                return out.contains("-1");
            });
            publish(path, IntStream.range(0, 100).boxed().toList());
            await().atMost(Duration.ofSeconds(30))
                .until(() -> out.stream().filter(s -> !s.equals("-1")).distinct().count() == 100);
        } finally {
            source.cancel();
        }
    }

    private static void publish(String trustStorePath, List<Integer> items) {
        Pipeline p = Pipeline.create();
        p.readFrom(TestSources.items(items)).writeTo(MqttSinks.<Integer>builder()
            .broker(sslUri())
            .topic("tls/data")
            .connectOptionsFn(() -> new MqttConnectOptions().setTrustStore(trustStorePath, SelfSignedCertificate.PASSWORD.toCharArray(), "PKCS12"))
            .build());
        cluster.jet().newJob(p).join();
    }

    @Test
    void untrustedBrokerCertificateFailsTheJob() {
        Pipeline p = Pipeline.create();
        p.readFrom(MqttSources.builder().broker(sslUri()).topic("tls/x").build())
            .withoutTimestamps().writeTo(Sinks.noop());
        Job job = cluster.jet().newJob(p);
        assertThatThrownBy(job::join).hasMessageContaining("could not be made").hasMessageContaining("SSLHandshakeException");
    }
}
