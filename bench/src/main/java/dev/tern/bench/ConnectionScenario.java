package dev.tern.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * idle and storm: many clients connect (at most {@code --max-pending} between socket connect and
 * CONNACK), optionally from several local addresses. idle then holds them and reports the
 * broker's memory growth per connection; storm reports connects per second and time to CONNACK.
 * Connections end with a TCP reset so no TIME_WAIT is left to exhaust ports for the next run.
 */
final class ConnectionScenario {
    /** Sockets this process keeps for itself (selector, jar files, jcmd pipes). */
    private static final int RESERVED_FDS = 200;

    private ConnectionScenario() {
    }

    static Result run(RunContext ctx) throws IOException {
        LoadOptions o = ctx.options;
        Scenario s = ctx.scenario;
        int n = o.connectionsFor(s);
        OptionalLong fdLimit = ProcessProbe.openFileLimit();
        if (fdLimit.isPresent() && n > fdLimit.getAsLong() - RESERVED_FDS) {
            throw new BenchException(n + " connections do not fit under this process's open-file limit of "
                + fdLimit.getAsLong() + ": use at most " + (fdLimit.getAsLong() - RESERVED_FDS)
                + " per process, and run several `tern bench idle` processes (each with its own --source-address) for more");
        }
        List<InetAddress> sources = new ArrayList<>();
        for (String a : o.sourceAddresses) {
            sources.add(InetAddress.getByName(a));
        }
        boolean idle = s == Scenario.IDLE;
        boolean heap = idle && o.brokerPid > 0 && switch (o.heap) {
            case "on" -> true;
            case "off" -> false;
            default -> ProcessProbe.isJvm(o.brokerPid);
        };
        Result r = ctx.header();
        r.put("connections", n);
        r.put("sourceAddresses", sources.isEmpty() ? "kernel" : String.join(",", o.sourceAddresses));
        r.put("maxPending", o.maxPending);

        if (idle && o.warmupConnections > 0) {
            r.put("warmupConnections", warmUp(ctx, o, sources));
        }

        long rssBefore = -1;
        long heapBefore = -1;
        if (idle && o.brokerPid > 0) {
            // heap first: its full GC changes a JVM's RSS, so both RSS readings follow a full GC
            heapBefore = heap ? ProcessProbe.liveHeapBytes(o.brokerPid).orElse(-1) : -1;
            rssBefore = ProcessProbe.rssKb(o.brokerPid).orElse(-1);
        }

        try (EventLoop loop = ctx.newLoop()) {
            loop.failFast(false);
            loop.maxPending(o.maxPending);
            loop.keepAlive(o.keepAlive);
            Histogram connectLatency = new Histogram(TimeUnit.SECONDS.toMicros(600), 3);
            loop.recordConnectLatency(connectLatency);

            ctx.startWindow();
            long t0 = System.nanoTime();
            long rssHalf = -1;
            long heapHalf = -1;
            int half = n / 2;
            if (idle && o.brokerPid > 0 && half > 0) {
                // the first half alone, measured, then the rest: the growth over the second half is
                // what each further connection costs, without what a broker pays once (classes
                // loaded, code compiled, a JVM's young generation touched the first time, pools grown)
                connectAll(ctx, loop, 0, half, sources, o);
                loop.runUntil(() -> false, System.nanoTime() + RunContext.nanos(o.hold));
                heapHalf = heap ? ProcessProbe.liveHeapBytes(o.brokerPid).orElse(-1) : -1;
                rssHalf = ProcessProbe.rssKb(o.brokerPid).orElse(-1);
                connectAll(ctx, loop, half, n, sources, o);
            } else {
                connectAll(ctx, loop, 0, n, sources, o);
            }
            long t1 = loop.connected > 0 ? loop.lastConnackNanos : System.nanoTime();
            ctx.endWindow(r);
            int connected = loop.connected;
            r.put("connected", connected);
            r.put("failed", n - connected);
            if (loop.firstFailure() != null) {
                r.put("firstFailure", loop.firstFailure());
            }
            if (rssHalf < 0) { // not paused half way for a memory reading
                r.put("connectSeconds", Result.round((t1 - t0) / 1e9 * 1000) / 1000);
                r.put("connectsPerSecond", Result.round(connected / Math.max(1e-9, (t1 - t0) / 1e9)));
            }
            r.percentiles("connectLatency", connectLatency);

            if (idle) {
                loop.runUntil(() -> false, System.nanoTime() + RunContext.nanos(o.hold));
                r.put("holdSeconds", o.hold);
                if (o.brokerPid > 0) {
                    long heapAfter = heap ? ProcessProbe.liveHeapBytes(o.brokerPid).orElse(-1) : -1;
                    long rssAfter = ProcessProbe.rssKb(o.brokerPid).orElse(-1);
                    r.put("stillConnected", loop.clients().stream().filter(Client::isConnected).count());
                    if (rssBefore >= 0 && rssAfter >= 0) {
                        r.put("rssBeforeKb", rssBefore);
                        r.put("rssAfterKb", rssAfter);
                        r.put("rssPerConnectionKb", perConnection(rssAfter - rssBefore, connected));
                        if (rssHalf >= 0) {
                            r.put("rssHalfKb", rssHalf);
                            r.put("rssPerConnectionMarginalKb", perConnection(rssAfter - rssHalf, connected - half));
                        }
                    }
                    if (heapBefore >= 0 && heapAfter >= 0) {
                        r.put("heapBeforeKb", heapBefore / 1024);
                        r.put("heapAfterKb", heapAfter / 1024);
                        r.put("heapPerConnectionKb", perConnection((heapAfter - heapBefore) / 1024.0, connected));
                        if (heapHalf >= 0) {
                            r.put("heapPerConnectionMarginalKb", perConnection((heapAfter - heapHalf) / 1024.0, connected - half));
                        }
                    }
                }
            }
            loop.resetAll();
        }
        return r;
    }

    /**
     * Connects clients {@code from} to {@code to - 1} and runs the loop until every client so far
     * has its CONNACK or failed.
     */
    private static void connectAll(RunContext ctx, EventLoop loop, int from, int to, List<InetAddress> sources,
                                   LoadOptions o) throws IOException {
        long t0 = System.nanoTime();
        for (int i = from; i < to; i++) {
            String id = ctx.clientId("c", i);
            InetAddress source = sources.isEmpty() ? null : sources.get(i % sources.size());
            loop.connect(new Client(loop, id, MqttCodec.connect(ctx.version, id, true, o.keepAlive, 0), source,
                RunContext.IDLE_BUFFER));
        }
        double limitSeconds = Math.max(60, (to - from) / 100.0);
        loop.runUntil(() -> loop.connected + loop.failed >= to, t0 + RunContext.nanos(limitSeconds));
    }

    /**
     * Connects {@code --warmup-connections} clients, at most {@code --max-pending} at a time, each
     * reset right after its CONNACK (clean sessions: the broker forgets them), then gives the broker
     * {@code --hold} seconds to see the resets. Returns how many got their CONNACK.
     */
    private static int warmUp(RunContext ctx, LoadOptions o, List<InetAddress> sources) throws IOException {
        int done = 0;
        int ok = 0;
        try (EventLoop loop = ctx.newLoop()) {
            loop.failFast(false);
            loop.maxPending(o.maxPending);
            while (done < o.warmupConnections) {
                int batch = Math.min(o.maxPending, o.warmupConnections - done);
                int before = loop.connected + loop.failed;
                for (int i = 0; i < batch; i++) {
                    String id = ctx.clientId("w", done + i);
                    InetAddress source = sources.isEmpty() ? null : sources.get((done + i) % sources.size());
                    loop.connect(new Client(loop, id, MqttCodec.connect(ctx.version, id, true, o.keepAlive, 0), source,
                        RunContext.IDLE_BUFFER));
                }
                loop.runUntil(() -> loop.connected + loop.failed >= before + batch, System.nanoTime() + RunContext.nanos(60));
                loop.resetAll();
                done += batch;
            }
            ok = loop.connected;
        }
        try {
            Thread.sleep((long) (o.hold * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ok;
    }

    private static double perConnection(double kb, int connections) {
        return connections == 0 ? 0.0 : Math.round(kb * 100.0 / connections) / 100.0;
    }
}
