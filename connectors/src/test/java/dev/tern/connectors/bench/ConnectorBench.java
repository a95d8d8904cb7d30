package dev.tern.connectors.bench;

import com.hazelcast.jet.Job;
import com.hazelcast.jet.config.JobConfig;
import com.hazelcast.jet.config.ProcessingGuarantee;
import com.hazelcast.jet.pipeline.BatchSource;
import com.hazelcast.jet.pipeline.Pipeline;
import com.hazelcast.jet.pipeline.Sink;
import com.hazelcast.jet.pipeline.SinkBuilder;
import com.hazelcast.jet.pipeline.SourceBuilder;
import com.hazelcast.jet.pipeline.StreamSource;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.tern.connectors.MqttConnectOptions;
import dev.tern.connectors.MqttMessage;
import dev.tern.connectors.MqttSinks;
import dev.tern.connectors.MqttSources;
import dev.tern.connectors.test.JetCluster;
import dev.tern.connectors.test.MosquittoTestBroker;
import dev.tern.connectors.test.TernTestBroker;
import dev.tern.connectors.test.TestBroker;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Items per second through the MQTT sink and source, on one embedded Jet member, against Tern
 * (embedded) and Mosquitto (if installed). Not a test: run it with {@code bench/connectors/run.sh}.
 *
 * <p>Arguments: {@code [messages] [payloadBytes]} (defaults 200000 and 64).
 */
public final class ConnectorBench {
    static final AtomicLong SEEN = new AtomicLong();

    private ConnectorBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        System.setProperty("hazelcast.phone.home.enabled", "false");
        System.setProperty("hazelcast.logging.type", "slf4j");
        List<String> lines = new ArrayList<>();
        try (JetCluster jet = JetCluster.start(1)) {
            List<TestBroker> brokers = new ArrayList<>();
            brokers.add(TernTestBroker.startOnFreePort());
            try {
                brokers.add(MosquittoTestBroker.start());
            } catch (IllegalStateException e) {
                System.out.println("mosquitto not available, Tern only: " + e.getMessage());
            }
            for (TestBroker broker : brokers) {
                try (broker) {
                    warmUp(jet, broker, size);
                    lines.add(row(broker, "sink QoS 1, maxInflight 1 (one at a time)", sink(jet, broker, n / 10, size, 1, 1)));
                    lines.add(row(broker, "sink QoS 1, maxInflight 1024", sink(jet, broker, n, size, 1, 1024)));
                    lines.add(row(broker, "sink QoS 0, maxInflight 1024", sink(jet, broker, n, size, 0, 1024)));
                    lines.add(row(broker, "source QoS 1, guarantee NONE", source(jet, broker, n, size, false)));
                    lines.add(row(broker, "source QoS 1, AT_LEAST_ONCE + keepSession (ack after snapshot, 1 s)",
                        source(jet, broker, n, size, true)));
                    lines.add(row(broker, "publisher alone (HiveMQ async, QoS 1), for reference", publishOnly(broker, n, size)));
                }
            }
        }
        System.out.println();
        System.out.println("| broker | scenario | items/s |");
        System.out.println("|---|---|---|");
        lines.forEach(System.out::println);
    }

    private static String row(TestBroker broker, String scenario, double rate) {
        String line = String.format(Locale.ROOT, "| %s | %s | %,.0f |", broker.name(), scenario, rate);
        System.out.println(line);
        return line;
    }

    private static void warmUp(JetCluster jet, TestBroker broker, int size) {
        sink(jet, broker, 20_000, size, 1, 1024);
        source(jet, broker, 20_000, size, false);
    }

    private static BatchSource<byte[]> payloads(int n, int size) {
        return SourceBuilder.batch("payloads", ctx -> new int[1])
            .<byte[]>fillBufferFn((count, buf) -> {
                for (int i = 0; i < 1024 && count[0] < n; i++, count[0]++) {
                    buf.add(new byte[size]);
                }
                if (count[0] >= n) {
                    buf.close();
                }
            })
            .build();
    }

    /** Items/s from job start to job completion: the sink completes only when every publish is acknowledged. */
    static double sink(JetCluster jet, TestBroker broker, int n, int size, int qos, int maxInflight) {
        Sink<byte[]> sink = MqttSinks.<byte[]>builder()
            .broker(broker.uri())
            .topic("bench/sink/" + UUID.randomUUID())
            .connectOptionsFn(() -> new MqttConnectOptions().setMaxInflight(maxInflight))
            .messageFn((byte[] b) -> MqttMessage.builder().payload(b).qos(qos).build())
            .build();
        Pipeline p = Pipeline.create();
        p.readFrom(payloads(n, size)).writeTo(sink);
        long start = System.nanoTime();
        jet.jet().newJob(p).join();
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /** Items/s from the first publish until the pipeline has seen all n messages. */
    static double source(JetCluster jet, TestBroker broker, int n, int size, boolean faultTolerant) {
        String topic = "bench/source/" + UUID.randomUUID();
        StreamSource<Integer> source = MqttSources.builder()
            .broker(broker.uri())
            .clientId("bench-" + UUID.randomUUID())
            .topic(topic)
            // autoReconnect: Mosquitto 2.0.11 can overrun Receive Maximum under this load (docs/connectors.md)
            .connectOptionsFn(() -> new MqttConnectOptions().setKeepSession(faultTolerant).setAutoReconnect(true))
            .mapToItemFn((t, m) -> m.payload().length)
            .build();
        SEEN.set(0);
        Pipeline p = Pipeline.create();
        p.readFrom(source).withoutTimestamps()
            .writeTo(SinkBuilder.sinkBuilder("count", ctx -> SEEN).<Integer>receiveFn((seen, item) -> seen.incrementAndGet()).build());
        JobConfig config = new JobConfig();
        if (faultTolerant) {
            config.setProcessingGuarantee(ProcessingGuarantee.AT_LEAST_ONCE).setSnapshotIntervalMillis(1000);
        }
        Job job = jet.jet().newJob(p, config);
        try (Publisher publisher = new Publisher(broker)) {
            // wait until the subscription is live
            while (SEEN.get() == 0) {
                if (job.getStatus().isTerminal()) {
                    job.join();
                }
                publisher.publish(topic, new byte[size], 1).join();
                sleep(20);
            }
            long before = SEEN.get();
            long start = System.nanoTime();
            publisher.publishAll(topic, n, size);
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (SEEN.get() - before < n) {
                if (job.getStatus().isTerminal() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("source job ended or stalled at " + (SEEN.get() - before) + " of " + n);
                }
                sleep(1);
            }
            return n / ((System.nanoTime() - start) / 1e9);
        } finally {
            job.cancel();
        }
    }

    static double publishOnly(TestBroker broker, int n, int size) {
        try (Publisher publisher = new Publisher(broker)) {
            long start = System.nanoTime();
            publisher.publishAll("bench/nobody/" + UUID.randomUUID(), n, size);
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** HiveMQ async client publishing with its own flow control (the broker's Receive Maximum). */
    static final class Publisher implements AutoCloseable {
        final Mqtt5AsyncClient client;

        Publisher(TestBroker broker) {
            URI u = URI.create(broker.uri());
            client = MqttClient.builder().useMqttVersion5().identifier("bench-pub-" + UUID.randomUUID())
                .serverHost(u.getHost()).serverPort(u.getPort()).buildAsync();
            client.connect().join();
        }

        CompletableFuture<Mqtt5PublishResult> publish(String topic, byte[] payload, int qos) {
            return client.publish(Mqtt5Publish.builder().topic(topic).qos(MqttQos.fromCode(qos)).payload(payload).build());
        }

        void publishAll(String topic, int n, int size) {
            byte[] payload = "x".repeat(size).getBytes(StandardCharsets.UTF_8);
            List<CompletableFuture<Mqtt5PublishResult>> window = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                window.add(publish(topic, payload, 1));
                if (window.size() == 4096) {
                    window.forEach(CompletableFuture::join);
                    window.clear();
                }
            }
            window.forEach(CompletableFuture::join);
        }

        @Override
        public void close() {
            client.disconnect().join();
        }
    }
}
