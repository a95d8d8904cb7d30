package dev.tern.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompareReportTest {

    @TempDir
    Path dir;

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(CompareReport.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(CompareReport.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
        assertThat(CompareReport.median(List.of())).isNull();
    }

    @Test
    void numbersAreShortAndRatiosTwoDecimals() {
        assertThat(CompareReport.number(123_456)).isEqualTo("123.5k");
        assertThat(CompareReport.number(2_500_000)).isEqualTo("2.50M");
        assertThat(CompareReport.number(0.73)).isEqualTo("0.73");
        assertThat(CompareReport.number(12)).isEqualTo("12");
        assertThat(CompareReport.ratio(130.0, 100.0)).isEqualTo("1.30");
        assertThat(CompareReport.ratio(130.0, null)).isEqualTo("-");
    }

    @Test
    void reportShowsMediansRangesRatiosFailuresSettingsAndMachine() throws IOException {
        Files.writeString(dir.resolve("meta.properties"), """
            brokers=tern mosquitto hivemq
            note=SMOKE RUN on a busy machine
            reps=3
            duration=10
            warmup=2
            cpuModel=Test CPU
            mosquittoVersion=2.0.11
            hivemqVersion=2025.5
            """);
        Files.writeString(dir.resolve("scenarios.tsv"), """
            # name, metric, title, args
            fanin-q1\tdeliveredPerSecond\tfan-in QoS 1\tfan-in --qos 1
            idle\trssPerConnectionKb\tidle connections\tidle --connections 100
            """);
        Files.createDirectories(dir.resolve("settings"));
        Files.writeString(dir.resolve("settings/tern.md"), "storage: memory");
        Path fanin = Files.createDirectories(dir.resolve("runs/fanin-q1"));
        run(fanin.resolve("tern-1.json"), 100_000, 0);
        run(fanin.resolve("tern-2.json"), 120_000, 0);
        run(fanin.resolve("tern-3.json"), 110_000, 0);
        run(fanin.resolve("mosquitto-1.json"), 50_000, 0);
        run(fanin.resolve("mosquitto-2.json"), 55_000, 0);
        Files.writeString(fanin.resolve("mosquitto-3.json"), "{\"error\": \"broker did not start\"}");
        run(fanin.resolve("hivemq-1.json"), 100_000, 2);
        Path idle = Files.createDirectories(dir.resolve("runs/idle"));
        Files.writeString(idle.resolve("tern-1.json"), "{\"rssPerConnectionKb\": 1.5}");
        Files.writeString(idle.resolve("mosquitto-1.json"), "{\"rssPerConnectionKb\": 0.75}");

        Files.writeString(dir.resolve("findings.md"), "## What the profiles show\n\nThe decoder, mostly.\n");

        String md = CompareReport.render(dir);

        assertThat(md).contains("**SMOKE RUN on a busy machine**");
        // the hand-written findings come right after the summary table, before the details
        assertThat(md.indexOf("## What the profiles show\n\nThe decoder, mostly.")).isGreaterThan(md.indexOf("## Summary"))
            .isLessThan(md.indexOf("## Scenarios in detail"));
        assertThat(md).contains("| fan-in QoS 1 | delivered/s | higher | 110.0k (100.0k-120.0k) | 52.5k (50.0k-55.0k) | 100.0k | 2.10 | 1.10 |");
        assertThat(md).contains("| idle connections | RSS growth per connection (KB) | lower | 1.50 | 0.75 | - | 2.00 | - |");
        assertThat(md).contains("Mosquitto 2.0.11 run 3 failed: broker did not start");
        assertThat(md).contains("| runs completed | 3 of 3 | 2 of 3 | 1 of 1 |");
        assertThat(md).contains("| lost | 0 | 0 | 2 |");
        assertThat(md).contains("storage: memory");
        assertThat(md).contains("| CPU | Test CPU |");
    }

    @Test
    void durableReportRatiosEachReferenceOverTheChosenPeersAndShowsTheDurabilityTable() throws IOException {
        Files.writeString(dir.resolve("meta.properties"), """
            brokers=tern tern-rocksdb tern-rocksdb-fsync hivemq-file artemis
            reference=tern-rocksdb,tern-rocksdb-fsync
            ratioPeers=hivemq-file,artemis
            hivemqVersion=2025.5
            artemisVersion=2.42.0
            """);
        Files.writeString(dir.resolve("scenarios.tsv"),
            "pairs-q1-persistent\tdeliveredPerSecond,outOfOrder\t20 pairs QoS 1, persistent sessions\tpairs --qos 1 --persistent-sessions\n");
        Files.createDirectories(dir.resolve("settings"));
        Files.writeString(dir.resolve("settings/durability.tsv"), """
            tern-rocksdb\tRocksDB\twhen in the WAL\tkill -9
            artemis\tjournal\tafter fsync\tkill -9, power loss
            mosquitto\tnone\tat once\tnothing
            """);
        Path runs = Files.createDirectories(dir.resolve("runs/pairs-q1-persistent"));
        Files.writeString(runs.resolve("tern-1.json"), "{\"deliveredPerSecond\": 300000, \"outOfOrder\": 0}");
        Files.writeString(runs.resolve("tern-rocksdb-1.json"), "{\"deliveredPerSecond\": 120000, \"outOfOrder\": 0}");
        Files.writeString(runs.resolve("tern-rocksdb-fsync-1.json"), "{\"deliveredPerSecond\": 60000, \"outOfOrder\": 0}");
        Files.writeString(runs.resolve("hivemq-file-1.json"), "{\"deliveredPerSecond\": 10000, \"outOfOrder\": 0}");
        Files.writeString(runs.resolve("artemis-1.json"), "{\"deliveredPerSecond\": 20000, \"outOfOrder\": 1500}");

        String md = CompareReport.render(dir);

        assertThat(md).contains("| scenario | metric | better | Tern (memory) | Tern (RocksDB, process) | Tern (RocksDB, fsync) "
            + "| HiveMQ CE 2025.5 (file) | Artemis 2.42.0 (journal) | Tern (RocksDB, process) / HiveMQ CE 2025.5 (file) "
            + "| Tern (RocksDB, process) / Artemis 2.42.0 (journal) | Tern (RocksDB, fsync) / HiveMQ CE 2025.5 (file) "
            + "| Tern (RocksDB, fsync) / Artemis 2.42.0 (journal) |");
        assertThat(md).contains("| 20 pairs QoS 1, persistent sessions | delivered/s | higher | 300.0k | 120.0k | 60.0k | 10.0k | 20.0k | 12.00 | 6.00 | 6.00 | 3.00 |");
        assertThat(md).contains("| 20 pairs QoS 1, persistent sessions | out of order | lower | 0 | 0 | 0 | 0 | 1500 | - | - | - | - |");
        assertThat(md).contains("| Artemis 2.42.0 (journal) | journal | after fsync | kill -9, power loss |");
        assertThat(md).as("brokers not in the run are left out").doesNotContain("| none | at once |");
    }

    @Test
    void anUnknownMetricInTheScenarioListIsRefused() throws IOException {
        Files.writeString(dir.resolve("scenarios.tsv"), "x\tspeed\tX\tfan-in\n");
        assertThatThrownBy(() -> CompareReport.render(dir)).hasMessageContaining("unknown metric speed");
    }

    private static void run(Path file, double delivered, long lost) throws IOException {
        Files.writeString(file, "{\"deliveredPerSecond\": " + delivered + ", \"lost\": " + lost + "}");
    }
}
