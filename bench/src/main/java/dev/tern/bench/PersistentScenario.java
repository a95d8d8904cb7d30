package dev.tern.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * persistent: subscribers connect with clean start = false (MQTT 5: session expiry one hour),
 * subscribe and go offline; publishers send {@code --messages} each at QoS 1/2 (window: PUBLISHes
 * the broker has not acknowledged); then the subscribers come back, again with clean start =
 * false, and receive what was queued. published/s is the rate into the offline sessions,
 * delivered/s the rate out of them, from reconnect to the last message.
 *
 * <p>Warm-up: before the measured cycle, the same cycle runs on other sessions and another topic
 * (client ids {@code tb-RUN-wKs3}, topics {@code bench/RUN/wK/...}) until {@code --warmup}
 * seconds are over, each one publishing until its messages are sent or the warm-up time is up and
 * then draining completely. Without it a fresh JVM broker is measured while it compiles: one
 * cycle of 200,000 deliveries lasts half a second on a fast broker.
 */
final class PersistentScenario {
    private static final double SETUP_SECONDS = 60;

    private PersistentScenario() {
    }

    /** What one offline-then-online cycle did, with its phase times (System.nanoTime). */
    private record Cycle(List<Receiver.Tracking> trackings, List<Client> resumed, List<Client> publishers,
                         long expected, long publishStart, long publishEnd, long drainStart, long drainEnd,
                         long delivered) {
    }

    static Result run(RunContext ctx) throws IOException {
        LoadOptions o = ctx.options;
        long warmupEnd = System.nanoTime() + RunContext.nanos(o.warmup);
        int warmupCycles = 0;
        for (; System.nanoTime() - warmupEnd < 0; warmupCycles++) {
            int k = warmupCycles;
            try (EventLoop loop = ctx.newLoop()) {
                loop.keepAlive(o.keepAlive);
                Cycle c = cycle(ctx, loop, "w" + k, ctx.topicBase() + "/w" + k, warmupEnd, () -> { });
                List<Client> all = new ArrayList<>(c.resumed());
                all.addAll(c.publishers());
                loop.disconnectAll(all, System.nanoTime() + RunContext.nanos(5));
            }
        }

        Scenario s = Scenario.PERSISTENT;
        try (EventLoop loop = ctx.newLoop()) {
            loop.keepAlive(o.keepAlive);
            Cycle c = cycle(ctx, loop, "", ctx.topicBase(), Long.MAX_VALUE, ctx::startWindow);
            Result r = ctx.header();
            ctx.endWindow(r);

            int pubs = o.publishersFor(s);
            int subs = o.subscribersFor(s);
            ThroughputScenario.describeLoad(r, o, s, pubs, subs);
            r.put("warmupCycles", warmupCycles);
            r.put("messagesPerPublisher", o.messages);
            r.put("queuedPerSubscriber", (long) pubs * o.messages);
            r.put("publishSeconds", Result.round((c.publishEnd() - c.publishStart()) / 1e9 * 1000) / 1000);
            r.put("drainSeconds", Result.round((c.drainEnd() - c.drainStart()) / 1e9 * 1000) / 1000);
            long published = loop.publishers().stream().mapToLong(p -> p.sent).sum();
            r.put("published", published);
            r.put("delivered", c.delivered());
            r.put("publishedPerSecond", Result.round(published / ((c.publishEnd() - c.publishStart()) / 1e9)));
            r.put("deliveredPerSecond", Result.round(c.delivered() / Math.max(1e-9, (c.drainEnd() - c.drainStart()) / 1e9)));
            r.put("sessionsNotPresent", c.resumed().stream().filter(x -> !x.sessionPresent).count());
            ThroughputScenario.countDeliveries(r, loop, c.trackings(), c.expected());
            List<Client> all = new ArrayList<>(c.resumed());
            all.addAll(c.publishers());
            loop.disconnectAll(all, System.nanoTime() + RunContext.nanos(5));
            return r;
        }
    }

    /**
     * Subscribes the sessions and takes them offline, publishes into them until every message is
     * sent or {@code publishDeadline} passes, brings them back and waits until they have it all.
     *
     * @param tag         prefix of the client roles ("" for the measured cycle)
     * @param onPublish   runs just before the first PUBLISH
     */
    private static Cycle cycle(RunContext ctx, EventLoop loop, String tag, String base, long publishDeadline,
                               Runnable onPublish) throws IOException {
        LoadOptions o = ctx.options;
        Scenario s = Scenario.PERSISTENT;
        int pubs = o.publishersFor(s);
        int subs = o.subscribersFor(s);
        int v = ctx.version;
        List<Receiver.Tracking> trackings = new ArrayList<>();
        List<Client> first = new ArrayList<>();
        for (int i = 0; i < subs; i++) {
            Client c = subscriber(ctx, loop, tag, i);
            c.subscribeFilter = ThroughputScenario.filter(s, base, i, ctx.runId);
            c.subscribeQos = o.qos;
            Receiver.Tracking t = new Receiver.Tracking(pubs).expectAll();
            trackings.add(t);
            new Receiver(c, t);
            loop.connect(c);
            first.add(c);
        }
        RunContext.await(loop, () -> loop.subscribed == subs, SETUP_SECONDS,
            () -> loop.subscribed + " of " + subs + " subscribers subscribed");
        loop.disconnectAll(first, System.nanoTime() + RunContext.nanos(10));

        List<Client> publishers = new ArrayList<>();
        for (int p = 0; p < pubs; p++) {
            String id = ctx.clientId(tag + "p", p);
            Client c = new Client(loop, id, MqttCodec.connect(v, id, true, o.keepAlive, 0), null, RunContext.ACTIVE_BUFFER);
            MqttCodec.PublishTemplate template = MqttCodec.publish(v, ThroughputScenario.topic(s, base, p), o.qos, o.payload);
            loop.add(new Publisher(p, c, template, o.qos, subs, o.inflight, false, 0, o.messages));
            loop.connect(c);
            publishers.add(c);
        }
        RunContext.await(loop, () -> loop.connected == subs + pubs, SETUP_SECONDS,
            () -> (loop.connected - subs) + " of " + pubs + " publishers connected");

        onPublish.run();
        long t0 = System.nanoTime();
        loop.startPublishing(0);
        boolean allAcked = RunContext.runWhileProgressing(loop,
            () -> loop.publishers().stream().allMatch(p -> p.done() && p.unacknowledged() == 0)
                || past(publishDeadline),
            () -> loop.publishers().stream().mapToLong(p -> p.acked + p.sent).sum(), o.drain);
        loop.stopPublishing();
        // a warm-up cycle stopped by its deadline: the broker still owes acknowledgements
        allAcked = allAcked && RunContext.runWhileProgressing(loop,
            () -> loop.publishers().stream().allMatch(p -> p.unacknowledged() == 0),
            () -> loop.publishers().stream().mapToLong(p -> p.acked).sum(), o.drain);
        long t1 = System.nanoTime();
        if (!allAcked) {
            throw new BenchException("the broker stopped acknowledging PUBLISHes into offline sessions");
        }

        long expected = (long) subs * loop.publishers().stream().mapToLong(p -> p.sent).sum();
        List<Client> second = new ArrayList<>();
        for (int i = 0; i < subs; i++) {
            Client c = subscriber(ctx, loop, tag, i);
            new Receiver(c, trackings.get(i));
            loop.connect(c);
            second.add(c);
        }
        long received0 = loop.counters.received;
        long t2 = System.nanoTime();
        RunContext.runWhileProgressing(loop, () -> distinct(trackings) >= expected,
            () -> loop.counters.received, o.drain);
        long t3 = loop.counters.received > received0 ? loop.lastReceiveNanos : System.nanoTime();
        return new Cycle(trackings, second, publishers, expected, t0, t1, t2, t3, loop.counters.received - received0);
    }

    /** Whether a deadline ({@link Long#MAX_VALUE} for none) has passed. */
    private static boolean past(long deadline) {
        return deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0;
    }

    private static Client subscriber(RunContext ctx, EventLoop loop, String tag, int i) {
        String id = ctx.clientId(tag + "s", i);
        LoadOptions o = ctx.options;
        byte[] connect = MqttCodec.connect(ctx.version, id, false, o.keepAlive, RunContext.SESSION_EXPIRY_SECONDS);
        return new Client(loop, id, connect, null, RunContext.ACTIVE_BUFFER);
    }

    private static long distinct(List<Receiver.Tracking> trackings) {
        long n = 0;
        for (Receiver.Tracking t : trackings) {
            n += t.distinctCount;
        }
        return n;
    }
}
