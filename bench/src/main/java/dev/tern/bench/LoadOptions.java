package dev.tern.bench;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every option of a {@code tern bench} scenario, with its default. Options a scenario does not use
 * are ignored by it. Also the programmatic API: {@code new LoadOptions().port(p).qos(1)}.
 */
public final class LoadOptions {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "broker address (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--port", defaultValue = "1883", description = "broker MQTT port (default: ${DEFAULT-VALUE})")
    int port = 1883;

    @Option(names = "--mqtt-version", defaultValue = "3.1.1", paramLabel = "3.1.1|5",
        description = "protocol the clients speak (default: ${DEFAULT-VALUE})")
    String mqttVersion = "3.1.1";

    @Option(names = "--qos", defaultValue = "0", description = "QoS of publishes and subscriptions: 0, 1 or 2 (default: ${DEFAULT-VALUE}; persistent: at least 1)")
    int qos;

    @Option(names = "--payload", defaultValue = "64", paramLabel = "BYTES",
        description = "payload size, at least 20 (index, sequence number, send time) (default: ${DEFAULT-VALUE})")
    int payload = 64;

    @Option(names = "--publishers", defaultValue = "-1", paramLabel = "N",
        description = "publishing clients (default per scenario: fan-in 4, fan-out 1, shared 4, persistent 1)")
    int publishers = -1;

    @Option(names = "--subscribers", defaultValue = "-1", paramLabel = "N",
        description = "subscribing clients (default per scenario: fan-in 1, fan-out 50, shared 4, persistent 10)")
    int subscribers = -1;

    @Option(names = "--persistent-sessions", defaultValue = "false",
        description = "fan-in, fan-out, pairs, shared: every client connects with clean session 0 (3.1.1) / clean start 0 "
            + "and a session expiry of " + RunContext.SESSION_EXPIRY_SECONDS + " s (5) under its fixed client id, so the broker "
            + "keeps its session and (durable brokers) stores its QoS 1/2 messages (default: off)")
    boolean persistentSessions;

    @Option(names = "--pairs", defaultValue = "20", paramLabel = "N", description = "pairs: publisher/subscriber pairs (default: ${DEFAULT-VALUE})")
    int pairs = 20;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "MSG/S",
        description = "total PUBLISH rate of all publishers; 0 = as fast as flow control allows (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--inflight", defaultValue = "64", paramLabel = "N",
        description = "messages each publisher may have in flight end to end, sent but not yet received (default: ${DEFAULT-VALUE})")
    int inflight = 64;

    @Option(names = "--duration", defaultValue = "10", paramLabel = "SECONDS", description = "measured time (default: ${DEFAULT-VALUE})")
    double duration = 10;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "SECONDS",
        description = "load before measuring, not counted; persistent: offline-then-online cycles on other sessions (default: ${DEFAULT-VALUE})")
    double warmup = 2;

    @Option(names = "--drain", defaultValue = "5", paramLabel = "SECONDS",
        description = "after publishing stops, wait this long without progress for missing messages before counting them lost (default: ${DEFAULT-VALUE})")
    double drain = 5;

    @Option(names = "--messages", defaultValue = "1000", paramLabel = "N",
        description = "persistent: messages each publisher sends while the sessions are offline (default: ${DEFAULT-VALUE})")
    int messages = 1000;

    @Option(names = "--connections", defaultValue = "-1", paramLabel = "N",
        description = "idle: connections to hold (default 10000); storm: connections to open at once (default 5000)")
    int connections = -1;

    @Option(names = "--max-pending", defaultValue = "200", paramLabel = "N",
        description = "idle/storm: connections between socket connect and CONNACK at most (default: ${DEFAULT-VALUE})")
    int maxPending = 200;

    @Option(names = "--source-address", split = ",", paramLabel = "IP",
        description = "local addresses to connect from, used in turn (e.g. 127.0.0.2,127.0.0.3); each gives ~28,000 ports (default: chosen by the kernel)")
    List<String> sourceAddresses = new ArrayList<>();

    @Option(names = "--keepalive", defaultValue = "60", paramLabel = "SECONDS",
        description = "keep alive sent in CONNECT; the generator pings at half of it (default: ${DEFAULT-VALUE})")
    int keepAlive = 60;

    @Option(names = "--warmup-connections", defaultValue = "0", paramLabel = "N",
        description = "idle: before the first memory reading, connect N clients (at most --max-pending at a time) and reset each after its CONNACK, "
            + "so the broker has compiled and sized its connection path: a one-time cost (a JVM's JIT keeps ~15 MB of compiler memory) "
            + "that is not what a connection costs (default: ${DEFAULT-VALUE})")
    int warmupConnections = 0;

    @Option(names = "--hold", defaultValue = "3", paramLabel = "SECONDS",
        description = "idle: time the connections are held before the broker's memory is read (default: ${DEFAULT-VALUE})")
    double hold = 3;

    @Option(names = "--broker-pid", defaultValue = "0", paramLabel = "PID",
        description = "broker process: its CPU time is reported, and for idle its RSS growth (and live heap for a JVM) per connection")
    long brokerPid;

    @Option(names = "--heap", defaultValue = "auto", paramLabel = "auto|on|off",
        description = "idle: measure the live heap of a JVM broker with jcmd GC.class_histogram (forces full GCs) (default: ${DEFAULT-VALUE})")
    String heap = "auto";

    @Option(names = "--label", paramLabel = "TEXT", description = "name of the broker under test, written into the results")
    String label;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the result as JSON to FILE")
    Path json;

    public LoadOptions host(String v) { host = v; return this; }
    public LoadOptions port(int v) { port = v; return this; }
    public LoadOptions mqttVersion(String v) { mqttVersion = v; return this; }
    public LoadOptions qos(int v) { qos = v; return this; }
    public LoadOptions payload(int v) { payload = v; return this; }
    public LoadOptions publishers(int v) { publishers = v; return this; }
    public LoadOptions subscribers(int v) { subscribers = v; return this; }
    public LoadOptions persistentSessions(boolean v) { persistentSessions = v; return this; }
    public LoadOptions pairs(int v) { pairs = v; return this; }
    public LoadOptions rate(double v) { rate = v; return this; }
    public LoadOptions inflight(int v) { inflight = v; return this; }
    public LoadOptions duration(double v) { duration = v; return this; }
    public LoadOptions warmup(double v) { warmup = v; return this; }
    public LoadOptions drain(double v) { drain = v; return this; }
    public LoadOptions messages(int v) { messages = v; return this; }
    public LoadOptions connections(int v) { connections = v; return this; }
    public LoadOptions maxPending(int v) { maxPending = v; return this; }
    public LoadOptions sourceAddresses(List<String> v) { sourceAddresses = new ArrayList<>(v); return this; }
    public LoadOptions keepAlive(int v) { keepAlive = v; return this; }
    public LoadOptions hold(double v) { hold = v; return this; }
    public LoadOptions warmupConnections(int v) { warmupConnections = v; return this; }
    public LoadOptions brokerPid(long v) { brokerPid = v; return this; }
    public LoadOptions heap(String v) { heap = v; return this; }
    public LoadOptions label(String v) { label = v; return this; }
    public LoadOptions json(Path v) { json = v; return this; }

    int protocolLevel() {
        return switch (mqttVersion) {
            case "3.1.1", "4" -> 4;
            case "5", "5.0" -> 5;
            default -> throw new IllegalArgumentException("--mqtt-version " + mqttVersion + " is not supported: use 3.1.1 or 5");
        };
    }

    int publishersFor(Scenario s) {
        return s == Scenario.PAIRS ? pairs : publishers >= 0 ? publishers : s.defaultPublishers();
    }

    int subscribersFor(Scenario s) {
        return s == Scenario.PAIRS ? pairs : subscribers >= 0 ? subscribers : s.defaultSubscribers();
    }

    int connectionsFor(Scenario s) {
        return connections >= 0 ? connections : s == Scenario.STORM ? 5000 : 10000;
    }

    /** Checks the values a scenario uses; the message names the option and what is allowed. */
    void validate(Scenario s) {
        protocolLevel();
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("--qos " + qos + " is not allowed: use 0, 1 or 2");
        }
        if (payload < MqttCodec.PAYLOAD_HEADER) {
            throw new IllegalArgumentException("--payload " + payload + " is too small: use at least "
                + MqttCodec.PAYLOAD_HEADER + " (the payload carries publisher index, sequence number and send time)");
        }
        if (inflight < 1) {
            throw new IllegalArgumentException("--inflight " + inflight + " is not allowed: use 1 or more");
        }
        if (warmupConnections < 0) {
            throw new IllegalArgumentException("--warmup-connections must be 0 or more");
        }
        if (duration <= 0 || warmup < 0 || drain < 0 || hold < 0 || rate < 0) {
            throw new IllegalArgumentException("--duration must be above 0; --warmup, --drain, --hold and --rate 0 or more");
        }
        if (s == Scenario.PERSISTENT && qos == 0) {
            throw new IllegalArgumentException("persistent needs --qos 1 or 2: QoS 0 messages are not queued for offline sessions");
        }
        if (s == Scenario.PERSISTENT && messages < 1) {
            throw new IllegalArgumentException("--messages " + messages + " is not allowed: use 1 or more");
        }
        if ((s == Scenario.IDLE || s == Scenario.STORM) && maxPending < 1) {
            throw new IllegalArgumentException("--max-pending " + maxPending + " is not allowed: use 1 or more");
        }
        if (s != Scenario.IDLE && s != Scenario.STORM && (publishersFor(s) < 1 || subscribersFor(s) < 1)) {
            throw new IllegalArgumentException(s.id() + " needs at least one publisher and one subscriber");
        }
        if (!List.of("auto", "on", "off").contains(heap)) {
            throw new IllegalArgumentException("--heap " + heap + " is not allowed: use auto, on or off");
        }
    }
}
