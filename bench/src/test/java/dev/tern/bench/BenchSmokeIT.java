package dev.tern.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.testkit.Packets;
import dev.tern.testkit.RawClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short run of every scenario against an embedded Tern, at small scale, so CI keeps the harness
 * working. It checks only that messages flowed and nothing was lost: never a timing.
 */
class BenchSmokeIT {

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @TempDir
    Path dir;

    private LoadOptions quick() {
        return new LoadOptions().port(broker.port()).warmup(0.3).duration(1.2).drain(5).label("tern-embedded");
    }

    private static void assertFlowedWithoutLoss(Result r) {
        assertThat(r.getLong("delivered")).as("delivered in the measured window: %s", r).isPositive();
        assertThat(r.getDouble("deliveredPerSecond")).isPositive();
        assertThat(r.getLong("received")).as("received: %s", r).isEqualTo(r.getLong("expected"));
        assertThat(r.getLong("lost")).as("lost: %s", r).isZero();
        assertThat(r.getLong("duplicates")).as("duplicates: %s", r).isZero();
    }

    @Test
    void fanInAtQos0WritesItsResultAsJson() throws Exception {
        Path json = dir.resolve("fan-in.json");
        Result r = Bench.run(Scenario.FAN_IN, quick().qos(0).publishers(2).json(json));
        assertFlowedWithoutLoss(r);
        assertThat(r.getLong("latencyCount")).isPositive();
        Map<?, ?> written = new ObjectMapper().readValue(json.toFile(), Map.class);
        assertThat(written.get("scenario")).isEqualTo("fan-in");
        assertThat(written.get("broker")).isEqualTo("tern-embedded");
        assertThat(((Number) written.get("lost")).longValue()).isZero();
    }

    @Test
    void fanOutAtQos1() throws Exception {
        assertFlowedWithoutLoss(Bench.run(Scenario.FAN_OUT, quick().qos(1).subscribers(5)));
    }

    @Test
    void pairsAtQos2() throws Exception {
        assertFlowedWithoutLoss(Bench.run(Scenario.PAIRS, quick().qos(2).pairs(3)));
    }

    @Test
    void pairsAtAFixedRateOverMqtt5() throws Exception {
        Result r = Bench.run(Scenario.PAIRS, quick().qos(1).pairs(2).rate(400).mqttVersion("5"));
        assertFlowedWithoutLoss(r);
        assertThat(r.get("mqttVersion")).isEqualTo("5");
        assertThat(r.get("rate")).isEqualTo(400.0);
        // every PUBLISH of the measured window has its own send lateness recorded
        assertThat(r.getLong("sendDelayCount")).isEqualTo(r.getLong("published"));
    }

    @Test
    void pairsWithPersistentSessionsLeaveTheSessionsOnTheBroker() throws Exception {
        Result r = Bench.run(Scenario.PAIRS, quick().qos(1).pairs(3).mqttVersion("5").persistentSessions(true));
        assertFlowedWithoutLoss(r);
        assertThat(r.getLong("outOfOrder")).isZero();
        assertThat(r.get("persistentSessions")).isEqualTo(true);
        // clean start = false and a session expiry: the broker still holds the subscriber's session
        String subscriber = RunContext.clientId(String.valueOf(r.get("runId")), "s", 0);
        try (RawClient c = RawClient.connect(broker.port())) {
            assertThat(c.connect(Packets.connect(Packets.V5, subscriber).cleanStart(false)).sessionPresent()).isTrue();
            c.send(Packets.disconnect());
        }
    }

    @Test
    void sharedSubscriptionAtQos1() throws Exception {
        assertFlowedWithoutLoss(Bench.run(Scenario.SHARED, quick().qos(1).publishers(2).subscribers(3)));
    }

    @Test
    void persistentSessionsGetWhatWasQueuedWhileOffline() throws Exception {
        Result r = Bench.run(Scenario.PERSISTENT, quick().qos(1).subscribers(3).messages(200));
        assertFlowedWithoutLoss(r);
        assertThat(r.getLong("delivered")).isEqualTo(600);
        assertThat(r.getLong("sessionsNotPresent")).isZero();
        assertThat(r.getLong("outOfOrder")).isZero();
    }

    @Test
    void idleConnectionsAreHeldAndTheBrokersMemoryIsRead() throws Exception {
        long self = ProcessHandle.current().pid(); // the embedded broker lives in this JVM
        Result r = Bench.run(Scenario.IDLE, quick().connections(200).warmupConnections(450).maxPending(100).hold(0.3)
            .brokerPid(self).heap("off"));
        // the warm-up's clients came and went (in batches of max-pending, the last one partial) before the reading
        assertThat(r.getLong("warmupConnections")).isEqualTo(450);
        assertThat(r.getLong("connected")).isEqualTo(200);
        assertThat(r.getLong("stillConnected")).isEqualTo(200);
        assertThat(r.getLong("rssAfterKb")).isPositive();
        assertThat(r.values()).containsKeys("rssPerConnectionKb", "rssPerConnectionMarginalKb", "rssHalfKb")
            .doesNotContainKeys("heapPerConnectionKb", "heapPerConnectionMarginalKb");
    }

    @Test
    void stormConnectsEveryClient() throws Exception {
        Result r = Bench.run(Scenario.STORM, quick().connections(300).maxPending(100));
        assertThat(r.getLong("connected")).isEqualTo(300);
        assertThat(r.getLong("failed")).isZero();
        assertThat(r.getLong("connectLatencyCount")).isEqualTo(300);
    }
}
