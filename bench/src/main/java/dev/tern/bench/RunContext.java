package dev.tern.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What every scenario shares: the options, a run id that keeps client ids and topics of one run
 * apart from any other, the CPU clocks of the generator and the broker, and the common result
 * fields.
 */
final class RunContext {
    /** Buffer size of clients that move messages (direct buffers, one write per loop turn). */
    static final int ACTIVE_BUFFER = 128 * 1024;
    /** Buffer size of idle clients: CONNACK and PINGRESP are all they read. */
    static final int IDLE_BUFFER = 512;
    /**
     * MQTT 5 Session Expiry Interval of clients with a persistent session (the persistent scenario's
     * subscribers, every client with --persistent-sessions): long enough to outlive any run.
     */
    static final long SESSION_EXPIRY_SECONDS = 3600;

    final Scenario scenario;
    final LoadOptions options;
    final String runId;
    final int version;
    private long ownCpuStart;
    private long brokerCpuStart = -1;
    private long windowStart;

    RunContext(Scenario scenario, LoadOptions options) {
        this.scenario = scenario;
        this.options = options;
        this.version = options.protocolLevel();
        this.runId = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36, 36L * 36 * 36 * 36 * 36 * 36), 36);
    }

    EventLoop newLoop() throws IOException {
        return new EventLoop(new InetSocketAddress(options.host, options.port), version);
    }

    String clientId(String role, int index) {
        return clientId(runId, role, index);
    }

    /** Client id of a run's client: role {@code p} (publisher) or {@code s} (subscriber) and its index. */
    static String clientId(String runId, String role, int index) {
        return "tb-" + runId + "-" + role + index;
    }

    String topicBase() {
        return "bench/" + runId;
    }

    static long nanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    /** Starts the CPU clocks of a measured window. */
    void startWindow() {
        windowStart = System.nanoTime();
        ownCpuStart = ProcessProbe.ownCpuNanos();
        brokerCpuStart = options.brokerPid > 0 ? ProcessProbe.cpuNanos(options.brokerPid).orElse(-1) : -1;
    }

    /** Puts the CPU use of generator and broker over the window that ends now. */
    void endWindow(Result r) {
        long elapsed = System.nanoTime() - windowStart;
        long own = ProcessProbe.ownCpuNanos() - ownCpuStart;
        r.put("generatorCpuSeconds", Result.round(own / 1e8) / 10);
        r.put("generatorCpuPercent", Result.round(100.0 * own / elapsed));
        if (brokerCpuStart >= 0) {
            OptionalLong end = ProcessProbe.cpuNanos(options.brokerPid);
            if (end.isPresent()) {
                long broker = end.getAsLong() - brokerCpuStart;
                r.put("brokerCpuSeconds", Result.round(broker / 1e8) / 10);
                r.put("brokerCpuPercent", Result.round(100.0 * broker / elapsed));
            }
        }
    }

    Result header() {
        Result r = new Result();
        r.put("scenario", scenario.id());
        r.put("broker", options.label == null ? options.host + ":" + options.port : options.label);
        r.put("mqttVersion", version == 5 ? "5" : "3.1.1");
        r.put("runId", runId);
        return r;
    }

    /**
     * Runs the loop until {@code done}, giving up after {@code idleSeconds} in which {@code progress}
     * did not move.
     *
     * @return true when done
     */
    static boolean runWhileProgressing(EventLoop loop, java.util.function.BooleanSupplier done, LongSupplier progress,
                                       double idleSeconds) throws IOException {
        long idle = Math.max(TimeUnit.MILLISECONDS.toNanos(100), nanos(idleSeconds));
        while (true) {
            long before = progress.getAsLong();
            if (loop.runUntil(done, System.nanoTime() + idle)) {
                return true;
            }
            if (progress.getAsLong() == before) {
                return false;
            }
        }
    }

    /** Runs the loop until {@code done} or throws, naming what did not happen in time. */
    static void await(EventLoop loop, java.util.function.BooleanSupplier done, double seconds, java.util.function.Supplier<String> what)
        throws IOException {
        if (!loop.runUntil(done, System.nanoTime() + nanos(seconds))) {
            throw new BenchException("timed out after " + seconds + " s: " + what.get()
                + (loop.firstFailure() != null ? " (first failure: " + loop.firstFailure() + ")" : ""));
        }
    }
}
