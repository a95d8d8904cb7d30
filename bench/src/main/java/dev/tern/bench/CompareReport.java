package dev.tern.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Turns the results directory of bench/compare.sh into BENCHMARKS.md: per scenario the median
 * and min-max of every run per broker, the ratio of Tern's median to each peer's, the broker
 * settings used and the machine.
 *
 * <p>Directory layout (written by compare.sh):
 * <pre>
 * meta.properties                   run facts and machine (key=value); {@code reference} (default tern) and
 *                                   {@code ratioPeers} (default: every broker whose name does not start with tern)
 *                                   choose the ratio columns: each reference's median over each peer's
 * scenarios.tsv                     name, summary metrics (comma separated), title, generator arguments (tabs between)
 * settings/BROKER.md                how each broker was configured and started (markdown)
 * settings/durability.tsv           optional: broker, storage, when a QoS 1/2 PUBLISH is acknowledged, what it survives
 * runs/SCENARIO/BROKER-REP.json     one result of `tern bench ... --json`, or {"error": "..."}
 * </pre>
 */
final class CompareReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REFERENCE = "tern";

    /** How a metric is shown and which direction is better; a count (lost, out of order, ...) gets no ratio. */
    record Metric(String key, String title, boolean higherIsBetter, boolean count) {
        Metric(String key, String title, boolean higherIsBetter) {
            this(key, title, higherIsBetter, false);
        }
    }

    static final Map<String, Metric> METRICS = new LinkedHashMap<>();

    static {
        for (Metric m : List.of(
            new Metric("deliveredPerSecond", "delivered/s", true),
            new Metric("publishedPerSecond", "published/s", true),
            new Metric("latencyP50Us", "latency p50 (µs)", false),
            new Metric("latencyP99Us", "latency p99 (µs)", false),
            new Metric("latencyP999Us", "latency p99.9 (µs)", false),
            new Metric("latencyMaxUs", "latency max (µs)", false),
            new Metric("sendDelayP99Us", "generator's own send lateness p99 (µs)", false),
            new Metric("sendDelayP999Us", "generator's own send lateness p99.9 (µs)", false),
            new Metric("lost", "lost", false, true),
            new Metric("duplicates", "duplicates", false, true),
            new Metric("outOfOrder", "out of order", false, true),
            new Metric("sessionsNotPresent", "sessions not present on reconnect", false, true),
            new Metric("rssPerConnectionKb", "RSS growth per connection (KB)", false),
            new Metric("rssPerConnectionMarginalKb", "RSS growth per connection of the second half (KB)", false),
            new Metric("heapPerConnectionKb", "live heap per connection (KB)", false),
            new Metric("connectsPerSecond", "connects/s", true),
            new Metric("connectLatencyP50Us", "time to CONNACK p50 (µs)", false),
            new Metric("connectLatencyP99Us", "time to CONNACK p99 (µs)", false),
            new Metric("failed", "failed connections", false, true),
            new Metric("brokerCpuPercent", "broker CPU (% of one core)", false),
            new Metric("deliveredPerBrokerCpuSecond", "deliveries per broker CPU second", true),
            new Metric("generatorCpuPercent", "generator CPU (% of one core)", false))) {
            METRICS.put(m.key(), m);
        }
    }

    /** One scenario line of scenarios.tsv. */
    record ScenarioSpec(String name, String metric, String title, String args) {
    }

    private CompareReport() {
    }

    static void write(Path results, Path out) throws IOException {
        Files.writeString(out, render(results), StandardCharsets.UTF_8);
    }

    static String render(Path results) throws IOException {
        Properties meta = new Properties();
        Path metaFile = results.resolve("meta.properties");
        if (Files.exists(metaFile)) {
            try (Reader r = Files.newBufferedReader(metaFile, StandardCharsets.UTF_8)) {
                meta.load(r);
            }
        }
        List<String> brokers = Arrays.stream(meta.getProperty("brokers", REFERENCE).trim().split("[ ,]+")).toList();
        List<ScenarioSpec> scenarios = readScenarios(results.resolve("scenarios.tsv"));
        StringBuilder md = new StringBuilder();
        md.append("# ").append(meta.getProperty("title", "Benchmarks").trim()).append("\n\n");
        String note = meta.getProperty("note", "").trim();
        if (!note.isEmpty()) {
            md.append("> **").append(note).append("**\n\n");
        }
        md.append("Written by `bench/compare.sh` on ").append(meta.getProperty("finished", "?"))
            .append(" (the whole run took ").append(meta.getProperty("elapsed", "?")).append("). Repeat it with:\n\n")
            .append("```sh\n").append(meta.getProperty("command", "bench/compare.sh")).append("\n```\n\n")
            .append("Each broker runs pinned to CPU ").append(meta.getProperty("brokerCpu", "0"))
            .append(" (`taskset`), the load generator (`tern bench`) to CPU ").append(meta.getProperty("generatorCpu", "1"))
            .append("; each run starts a fresh broker; brokers alternate within every round and their order rotates from round to round. ")
            .append("Rounds: ").append(meta.getProperty("reps", "?")).append("; each run ").append(meta.getProperty("warmup", "?"))
            .append(" s warm-up + ").append(meta.getProperty("duration", "?"))
            .append(" s measured. Cells show the median of the runs and, in brackets, min-max. ")
            .append("Ratios are Tern's median over the peer's (\"A / B\" columns): above 1 is better for Tern where higher is better, below 1 where lower is better; counts (lost, out of order, ...) get none.\n\n");

        Map<String, Map<String, List<Map<String, Object>>>> runs = new LinkedHashMap<>();
        for (ScenarioSpec s : scenarios) {
            runs.put(s.name(), readRuns(results.resolve("runs").resolve(s.name()), brokers));
        }
        List<String> references = list(meta.getProperty("reference", REFERENCE)).stream().filter(brokers::contains).toList();
        List<String> peers = meta.containsKey("ratioPeers")
            ? list(meta.getProperty("ratioPeers")).stream().filter(brokers::contains).toList()
            : brokers.stream().filter(b -> !b.startsWith(REFERENCE)).toList();
        List<String[]> ratioColumns = new ArrayList<>();
        for (String ref : references) {
            for (String p : peers) {
                if (!p.equals(ref)) {
                    ratioColumns.add(new String[]{ref, p});
                }
            }
        }

        md.append("## Summary\n\n| scenario | metric | better |");
        for (String b : brokers) {
            md.append(' ').append(displayName(b, brokers, meta)).append(" |");
        }
        for (String[] rc : ratioColumns) {
            md.append(' ').append(displayName(rc[0], brokers, meta)).append(" / ").append(displayName(rc[1], brokers, meta)).append(" |");
        }
        md.append("\n|---|---|---|");
        md.append("--:|".repeat(brokers.size() + ratioColumns.size()));
        md.append('\n');
        for (ScenarioSpec s : scenarios) {
            for (String key : s.metric().split(",")) {
                Metric m = metric(key);
                md.append("| ").append(s.title()).append(" | ").append(m.title()).append(" | ")
                    .append(m.higherIsBetter() ? "higher" : "lower").append(" |");
                Map<String, List<Map<String, Object>>> byBroker = runs.get(s.name());
                for (String b : brokers) {
                    md.append(' ').append(cell(byBroker.get(b), m.key())).append(" |");
                }
                for (String[] rc : ratioColumns) {
                    Double ref = median(values(byBroker.get(rc[0]), m.key()));
                    Double peer = median(values(byBroker.get(rc[1]), m.key()));
                    md.append(' ').append(m.count() ? "-" : ratio(ref, peer)).append(" |");
                }
                md.append('\n');
            }
        }
        md.append('\n');
        Path findings = results.resolve("findings.md");
        if (Files.exists(findings)) {
            // hand-written (bench/FINDINGS.md): profiles, changes, targets; copied in by compare.sh
            md.append(Files.readString(findings, StandardCharsets.UTF_8).strip()).append("\n\n");
        }
        durability(md, results.resolve("settings").resolve("durability.tsv"), brokers, meta);

        md.append("## Scenarios in detail\n\n");
        for (ScenarioSpec s : scenarios) {
            Map<String, List<Map<String, Object>>> byBroker = runs.get(s.name());
            md.append("### ").append(s.title()).append("\n\n`tern bench ").append(s.args()).append("`\n\n| metric |");
            for (String b : brokers) {
                md.append(' ').append(displayName(b, brokers, meta)).append(" |");
            }
            md.append("\n|---|").append("--:|".repeat(brokers.size())).append('\n');
            for (Metric m : METRICS.values()) {
                boolean any = brokers.stream().anyMatch(b -> !values(byBroker.get(b), m.key()).isEmpty());
                if (!any) {
                    continue;
                }
                md.append("| ").append(m.title()).append(" |");
                for (String b : brokers) {
                    md.append(' ').append(cell(byBroker.get(b), m.key())).append(" |");
                }
                md.append('\n');
            }
            md.append("| runs completed |");
            for (String b : brokers) {
                List<Map<String, Object>> list = byBroker.get(b);
                long ok = list.stream().filter(r -> !r.containsKey("error")).count();
                md.append(' ').append(ok).append(" of ").append(list.size()).append(" |");
            }
            md.append('\n');
            for (String b : brokers) {
                for (Map<String, Object> r : byBroker.get(b)) {
                    if (r.containsKey("error")) {
                        md.append("\n- ").append(displayName(b, brokers, meta)).append(" run ").append(r.getOrDefault("run", "?"))
                            .append(" failed: ").append(oneLine(String.valueOf(r.get("error"))));
                    }
                }
            }
            md.append("\n\n");
        }

        md.append("## Broker settings\n\n");
        for (String b : brokers) {
            Path f = results.resolve("settings").resolve(b + ".md");
            md.append("### ").append(displayName(b, brokers, meta)).append("\n\n");
            md.append(Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8).trim() : "(not recorded)").append("\n\n");
        }

        md.append("## Machine\n\n| | |\n|---|---|\n");
        for (String[] kv : new String[][]{{"CPU", "cpuModel"}, {"cores", "cores"}, {"memory", "memory"},
            {"kernel", "kernel"}, {"JVM", "jvm"}, {"Mosquitto", "mosquittoVersion"}, {"HiveMQ CE", "hivemqVersion"},
            {"Artemis", "artemisVersion"}, {"disk of the brokers' data", "dataDisk"},
            {"Tern commit", "ternCommit"}, {"load average at start", "loadAverage"}}) {
            if (meta.containsKey(kv[1]) || !kv[1].equals("artemisVersion") && !kv[1].equals("dataDisk")) {
                md.append("| ").append(kv[0]).append(" | ").append(meta.getProperty(kv[1], "?")).append(" |\n");
            }
        }
        String extra = meta.getProperty("notes", "").trim();
        if (!extra.isEmpty()) {
            md.append('\n').append(extra).append('\n');
        }
        return md.toString();
    }

    static List<ScenarioSpec> readScenarios(Path tsv) throws IOException {
        List<ScenarioSpec> list = new ArrayList<>();
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length < 4) {
                throw new IOException(tsv + ": a line needs name, metric, title and arguments separated by tabs: " + line);
            }
            for (String key : f[1].split(",")) {
                metric(key);
            }
            list.add(new ScenarioSpec(f[0], f[1], f[2], f[3]));
        }
        return list;
    }

    private static Metric metric(String key) {
        Metric m = METRICS.get(key);
        if (m == null) {
            throw new IllegalArgumentException("unknown metric " + key + ": use one of " + METRICS.keySet());
        }
        return m;
    }

    private static Map<String, List<Map<String, Object>>> readRuns(Path dir, List<String> brokers) throws IOException {
        Map<String, List<Map<String, Object>>> byBroker = new LinkedHashMap<>();
        for (String b : brokers) {
            byBroker.put(b, new ArrayList<>());
        }
        if (!Files.isDirectory(dir)) {
            return byBroker;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            int dash = name.lastIndexOf('-');
            if (dash < 0) {
                continue;
            }
            String broker = name.substring(0, dash);
            List<Map<String, Object>> list = byBroker.get(broker);
            if (list == null) {
                continue;
            }
            Map<String, Object> r;
            try {
                r = new LinkedHashMap<>(JSON.readValue(f.toFile(), new TypeReference<Map<String, Object>>() {
                }));
            } catch (IOException e) {
                r = new LinkedHashMap<>(Map.of("error", "unreadable result " + name + ": " + e.getMessage()));
            }
            r.putIfAbsent("run", name.substring(dash + 1, name.length() - ".json".length()));
            list.add(r);
        }
        return byBroker;
    }

    static List<Double> values(List<Map<String, Object>> runs, String key) {
        List<Double> v = new ArrayList<>();
        if (runs == null) {
            return v;
        }
        for (Map<String, Object> r : runs) {
            if (!r.containsKey("error") && r.get(key) instanceof Number n) {
                v.add(n.doubleValue());
            }
        }
        return v;
    }

    static Double median(List<Double> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static String cell(List<Map<String, Object>> runs, String key) {
        List<Double> v = values(runs, key);
        if (v.isEmpty()) {
            return runs != null && !runs.isEmpty() && runs.stream().allMatch(r -> r.containsKey("error")) ? "failed" : "-";
        }
        double min = v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = v.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        String m = number(median(v));
        return v.size() == 1 || min == max ? m : m + " (" + number(min) + "-" + number(max) + ")";
    }

    static String ratio(Double reference, Double peer) {
        if (reference == null || peer == null || peer == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", reference / peer);
    }

    static String number(double v) {
        double a = Math.abs(v);
        if (a >= 1_000_000) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 10_000) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, a >= 10 ? "%.1f" : "%.2f", v);
    }

    /** The durability table: which broker keeps what where, and what it survives. */
    private static void durability(StringBuilder md, Path tsv, List<String> brokers, Properties meta) throws IOException {
        if (!Files.exists(tsv)) {
            return;
        }
        md.append("## Durability of each broker\n\n| broker | storage | a QoS 1 PUBLISH is acknowledged | survives |\n|---|---|---|---|\n");
        for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            if (f.length < 4 || !brokers.contains(f[0])) {
                continue;
            }
            md.append("| ").append(displayName(f[0], brokers, meta)).append(" | ").append(f[1]).append(" | ")
                .append(f[2]).append(" | ").append(f[3]).append(" |\n");
        }
        md.append('\n');
    }

    private static List<String> list(String commaOrSpaceSeparated) {
        return Arrays.stream(commaOrSpaceSeparated.trim().split("[ ,]+")).filter(x -> !x.isEmpty()).toList();
    }

    /** How a broker is named in the report; in-memory ones say so when durable ones run beside them. */
    static String displayName(String broker, List<String> brokers, Properties meta) {
        boolean durableRun = brokers.stream().anyMatch(b -> b.startsWith("tern-rocksdb") || b.startsWith("artemis") || b.equals("hivemq-file"));
        String memory = durableRun ? " (memory)" : "";
        String hivemq = "HiveMQ CE " + meta.getProperty("hivemqVersion", "").trim();
        String artemis = "Artemis " + meta.getProperty("artemisVersion", "").trim();
        String name = switch (broker) {
            case "tern" -> "Tern" + memory;
            case "tern-rocksdb" -> "Tern (RocksDB, process)";
            case "tern-rocksdb-fsync" -> "Tern (RocksDB, fsync)";
            case "mosquitto" -> "Mosquitto " + meta.getProperty("mosquittoVersion", "").trim() + memory;
            case "hivemq" -> hivemq + memory;
            case "hivemq-file" -> hivemq + " (file)";
            case "artemis" -> artemis + " (journal)";
            case "artemis-nosync" -> artemis + " (journal, no sync)";
            default -> broker;
        };
        return name.replaceAll("\\s+", " ").trim();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }
}
