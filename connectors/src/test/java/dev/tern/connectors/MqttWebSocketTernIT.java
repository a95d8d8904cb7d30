package dev.tern.connectors;

import com.hazelcast.collection.IList;
import com.hazelcast.jet.Job;
import com.hazelcast.jet.pipeline.Pipeline;
import com.hazelcast.jet.pipeline.Sinks;
import com.hazelcast.jet.pipeline.test.TestSources;
import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.connectors.test.JetCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;

/** Source and sink over MQTT-over-WebSocket (ws://host:port/mqtt) against Tern's WebSocket listener. */
class MqttWebSocketTernIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults().withWebSocket();

    private static JetCluster cluster;

    @BeforeAll
    static void startJet() {
        cluster = JetCluster.start(1);
    }

    @AfterAll
    static void stopJet() {
        cluster.close();
    }

    @Test
    void sinkToSourceOverWebSocket() {
        String ws = "ws://127.0.0.1:" + broker.wsPort() + "/mqtt";
        IList<String> out = cluster.member(0).getList("ws-out");
        Pipeline in = Pipeline.create();
        in.readFrom(MqttSources.builder().broker(ws).topic("ws/data").mapToItemFn((t, m) -> m.payloadAsString()).build())
            .withoutTimestamps().writeTo(Sinks.list(out));
        Job source = cluster.jet().newJob(in);
        try {
            // publish until the source's subscription is in place, then a batch of 100
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                Pipeline probe = Pipeline.create();
                probe.readFrom(TestSources.items("probe")).writeTo(MqttSinks.mqtt(ws, "ws/data"));
                cluster.jet().newJob(probe).join();
                return out.contains("probe");
            });
            Pipeline outP = Pipeline.create();
            outP.readFrom(TestSources.items(IntStream.range(0, 100).boxed().toList())).writeTo(MqttSinks.mqtt(ws, "ws/data"));
            cluster.jet().newJob(outP).join();
            await().atMost(Duration.ofSeconds(30))
                .until(() -> out.stream().filter(s -> !s.equals("probe")).distinct().count() == 100);
        } finally {
            source.cancel();
        }
    }
}
