package dev.tern.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * fan-in, fan-out, pairs and shared: subscribers connect and subscribe, publishers connect, then
 * they publish through a warm-up and a measured window; after publishing stops the generator
 * waits for stragglers and counts what never arrived. With {@code --persistent-sessions} every
 * client connects with clean start = false (and a session expiry in MQTT 5) under its fixed
 * client id: the online phase of a persistent-session workload, where a durable broker stores
 * every QoS 1/2 message for the subscriber's session before it acknowledges it.
 */
final class ThroughputScenario {
    private static final double SETUP_SECONDS = 60;

    private ThroughputScenario() {
    }

    static Result run(RunContext ctx) throws IOException {
        Scenario s = ctx.scenario;
        LoadOptions o = ctx.options;
        int pubs = o.publishersFor(s);
        int subs = o.subscribersFor(s);
        int v = ctx.version;
        String base = ctx.topicBase();
        try (EventLoop loop = ctx.newLoop()) {
            loop.keepAlive(o.keepAlive);
            Map<Receiver.Tracking, Boolean> trackings = new IdentityHashMap<>();
            Receiver.Tracking group = new Receiver.Tracking(pubs).expectAll();
            List<Client> all = new ArrayList<>();
            for (int i = 0; i < subs; i++) {
                String id = ctx.clientId("s", i);
                Client c = new Client(loop, id, connect(ctx, id), null, RunContext.ACTIVE_BUFFER);
                c.subscribeFilter = filter(s, base, i, ctx.runId);
                c.subscribeQos = o.qos;
                Receiver.Tracking t = switch (s) {
                    case PAIRS -> new Receiver.Tracking(pubs).expect(i);
                    case SHARED -> group;
                    default -> new Receiver.Tracking(pubs).expectAll();
                };
                trackings.put(t, Boolean.TRUE);
                new Receiver(c, t);
                loop.connect(c);
                all.add(c);
            }
            RunContext.await(loop, () -> loop.subscribed == subs, SETUP_SECONDS,
                () -> loop.subscribed + " of " + subs + " subscribers subscribed");

            int copies = s == Scenario.FAN_OUT ? subs : 1;
            long interval = o.rate > 0 ? (long) (1e9 * pubs / o.rate) : 0;
            for (int p = 0; p < pubs; p++) {
                String id = ctx.clientId("p", p);
                Client c = new Client(loop, id, connect(ctx, id), null, RunContext.ACTIVE_BUFFER);
                MqttCodec.PublishTemplate template = MqttCodec.publish(v, topic(s, base, p), o.qos, o.payload);
                loop.add(new Publisher(p, c, template, o.qos, copies, o.inflight, true, interval, Long.MAX_VALUE));
                loop.connect(c);
                all.add(c);
            }
            RunContext.await(loop, () -> loop.connected == subs + pubs, SETUP_SECONDS,
                () -> loop.connected + " of " + (subs + pubs) + " clients connected");

            loop.startPublishing(interval);
            loop.runUntil(() -> false, System.nanoTime() + RunContext.nanos(o.warmup));
            ctx.startWindow();
            long t0 = System.nanoTime();
            loop.recording = true;
            loop.runUntil(() -> false, t0 + RunContext.nanos(o.duration));
            loop.recording = false;
            double seconds = (System.nanoTime() - t0) / 1e9;
            Result r = ctx.header();
            ctx.endWindow(r);
            loop.stopPublishing();

            long expected = 0;
            for (Receiver.Tracking t : trackings.keySet()) {
                for (Publisher p : loop.publishers()) {
                    if (t.expects[p.index]) {
                        expected += p.sent;
                    }
                }
            }
            long expectedTotal = expected;
            RunContext.runWhileProgressing(loop, () -> distinct(trackings) >= expectedTotal
                    && loop.publishers().stream().allMatch(p -> p.unacknowledged() == 0),
                () -> loop.counters.received + sumAcked(loop), o.drain);

            describeLoad(r, o, s, pubs, subs);
            r.put("persistentSessions", o.persistentSessions);
            r.put("measuredSeconds", Result.round(seconds));
            r.put("published", loop.counters.publishedInWindow);
            r.put("delivered", loop.counters.deliveredInWindow);
            r.put("publishedPerSecond", Result.round(loop.counters.publishedInWindow / seconds));
            r.put("deliveredPerSecond", Result.round(loop.counters.deliveredInWindow / seconds));
            if (r.get("brokerCpuSeconds") instanceof Double cpu && cpu > 0) {
                r.put("deliveredPerBrokerCpuSecond", Result.round(loop.counters.deliveredInWindow / cpu));
            }
            r.percentiles("latency", loop.latency);
            r.percentiles("sendDelay", loop.sendDelay);
            countDeliveries(r, loop, trackings.keySet(), expected);
            loop.disconnectAll(all, System.nanoTime() + RunContext.nanos(5));
            return r;
        }
    }

    /** CONNECT of one client: clean, or with --persistent-sessions resuming a session that outlives the connection. */
    private static byte[] connect(RunContext ctx, String clientId) {
        LoadOptions o = ctx.options;
        return o.persistentSessions
            ? MqttCodec.connect(ctx.version, clientId, false, o.keepAlive, RunContext.SESSION_EXPIRY_SECONDS)
            : MqttCodec.connect(ctx.version, clientId, true, o.keepAlive, 0);
    }

    static void describeLoad(Result r, LoadOptions o, Scenario s, int pubs, int subs) {
        r.put("qos", o.qos);
        r.put("payloadBytes", o.payload);
        r.put("publishers", pubs);
        r.put("subscribers", subs);
        r.put("rate", o.rate > 0 ? o.rate : "max");
        r.put("inflightPerPublisher", o.inflight);
    }

    /** sent, expected, received, lost, duplicates, out of order, and anything unexpected. */
    static void countDeliveries(Result r, EventLoop loop, Iterable<Receiver.Tracking> trackings, long expected) {
        long sent = 0;
        long rejected = 0;
        for (Publisher p : loop.publishers()) {
            sent += p.sent;
            rejected += p.rejected;
        }
        long lost = 0;
        long duplicates = 0;
        for (Receiver.Tracking t : trackings) {
            lost += t.lost(loop.publishers());
            duplicates += t.duplicates;
        }
        long outOfOrder = 0;
        for (Client c : loop.clients()) {
            if (c.receiver != null) {
                outOfOrder += c.receiver.outOfOrder;
            }
        }
        r.put("sent", sent);
        r.put("expected", expected);
        r.put("received", loop.counters.received);
        r.put("lost", lost);
        r.put("duplicates", duplicates);
        r.put("outOfOrder", outOfOrder);
        r.put("rejectedByBroker", rejected);
        r.put("unexpected", loop.counters.unexpected + loop.counters.foreign);
        r.put("stalls", loop.counters.stalls);
    }

    private static long distinct(Map<Receiver.Tracking, Boolean> trackings) {
        long n = 0;
        for (Receiver.Tracking t : trackings.keySet()) {
            n += t.distinctCount;
        }
        return n;
    }

    private static long sumAcked(EventLoop loop) {
        long n = 0;
        for (Publisher p : loop.publishers()) {
            n += p.acked;
        }
        return n;
    }

    static String topic(Scenario s, String base, int publisher) {
        return switch (s) {
            case FAN_IN -> base + "/in/" + publisher;
            case FAN_OUT -> base + "/out";
            case PAIRS -> base + "/pair/" + publisher;
            case SHARED -> base + "/shared/" + publisher;
            case PERSISTENT -> base + "/persist/" + publisher;
            default -> throw new IllegalArgumentException(s.id() + " does not publish");
        };
    }

    static String filter(Scenario s, String base, int subscriber, String runId) {
        return switch (s) {
            case FAN_IN -> base + "/in/+";
            case FAN_OUT -> base + "/out";
            case PAIRS -> base + "/pair/" + subscriber;
            case SHARED -> "$share/g" + runId + "/" + base + "/shared/+";
            case PERSISTENT -> base + "/persist/+";
            default -> throw new IllegalArgumentException(s.id() + " does not subscribe");
        };
    }
}
