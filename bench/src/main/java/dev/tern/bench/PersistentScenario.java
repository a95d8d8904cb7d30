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
 */
final class PersistentScenario {
    private static final double SETUP_SECONDS = 60;

    private PersistentScenario() {
    }

    static Result run(RunContext ctx) throws IOException {
        LoadOptions o = ctx.options;
        Scenario s = Scenario.PERSISTENT;
        int pubs = o.publishersFor(s);
        int subs = o.subscribersFor(s);
        int v = ctx.version;
        String base = ctx.topicBase();
        try (EventLoop loop = ctx.newLoop()) {
            loop.keepAlive(o.keepAlive);
            List<Receiver.Tracking> trackings = new ArrayList<>();
            List<Client> first = new ArrayList<>();
            for (int i = 0; i < subs; i++) {
                Client c = subscriber(ctx, loop, i);
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
                String id = ctx.clientId("p", p);
                Client c = new Client(loop, id, MqttCodec.connect(v, id, true, o.keepAlive, 0), null, RunContext.ACTIVE_BUFFER);
                MqttCodec.PublishTemplate template = MqttCodec.publish(v, ThroughputScenario.topic(s, base, p), o.qos, o.payload);
                loop.add(new Publisher(p, c, template, o.qos, subs, o.inflight, false, 0, o.messages));
                loop.connect(c);
                publishers.add(c);
            }
            RunContext.await(loop, () -> loop.connected == subs + pubs, SETUP_SECONDS,
                () -> (loop.connected - subs) + " of " + pubs + " publishers connected");

            ctx.startWindow();
            long t0 = System.nanoTime();
            loop.startPublishing(0);
            boolean allAcked = RunContext.runWhileProgressing(loop,
                () -> loop.publishers().stream().allMatch(p -> p.done() && p.unacknowledged() == 0),
                () -> loop.publishers().stream().mapToLong(p -> p.acked + p.sent).sum(), o.drain);
            long t1 = System.nanoTime();
            loop.stopPublishing();
            if (!allAcked) {
                throw new BenchException("the broker stopped acknowledging PUBLISHes into offline sessions");
            }

            long expected = (long) subs * pubs * o.messages;
            List<Client> second = new ArrayList<>();
            for (int i = 0; i < subs; i++) {
                Client c = subscriber(ctx, loop, i);
                new Receiver(c, trackings.get(i));
                loop.connect(c);
                second.add(c);
            }
            long received0 = loop.counters.received;
            long t2 = System.nanoTime();
            RunContext.runWhileProgressing(loop, () -> distinct(trackings) >= expected,
                () -> loop.counters.received, o.drain);
            long t3 = loop.counters.received > received0 ? loop.lastReceiveNanos : System.nanoTime();
            Result r = ctx.header();
            ctx.endWindow(r);

            ThroughputScenario.describeLoad(r, o, s, pubs, subs);
            r.put("messagesPerPublisher", o.messages);
            r.put("queuedPerSubscriber", (long) pubs * o.messages);
            r.put("publishSeconds", Result.round((t1 - t0) / 1e9 * 1000) / 1000);
            r.put("drainSeconds", Result.round((t3 - t2) / 1e9 * 1000) / 1000);
            long published = loop.publishers().stream().mapToLong(p -> p.sent).sum();
            long delivered = loop.counters.received - received0;
            r.put("published", published);
            r.put("delivered", delivered);
            r.put("publishedPerSecond", Result.round(published / ((t1 - t0) / 1e9)));
            r.put("deliveredPerSecond", Result.round(delivered / Math.max(1e-9, (t3 - t2) / 1e9)));
            r.put("sessionsNotPresent", second.stream().filter(c -> !c.sessionPresent).count());
            ThroughputScenario.countDeliveries(r, loop, trackings, expected);
            List<Client> all = new ArrayList<>(second);
            all.addAll(publishers);
            loop.disconnectAll(all, System.nanoTime() + RunContext.nanos(5));
            return r;
        }
    }

    private static Client subscriber(RunContext ctx, EventLoop loop, int i) {
        String id = ctx.clientId("s", i);
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
