package dev.tern.bench;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;

/**
 * The receiving side of a {@link Client}: reads publisher index, sequence number and send time
 * from each bench payload; counts deliveries, duplicates and out-of-order arrivals; records the
 * latency while the loop is recording; and credits the publisher's window.
 *
 * <p>Threading: touched only by the {@link EventLoop}'s thread.
 */
final class Receiver {
    private static final long MAX_LATENCY_MICROS = 60_000_000L;

    /**
     * Which sequence numbers a group of receivers has seen, per publisher. Each subscriber has its
     * own, except the members of one shared subscription, which share one: the group as a whole
     * must get every message once.
     */
    static final class Tracking {
        final BitSet[] seen;
        final boolean[] expects;
        long duplicates;
        /** Distinct messages received (all publishers). */
        long distinctCount;

        Tracking(int publishers) {
            seen = new BitSet[publishers];
            expects = new boolean[publishers];
            for (int i = 0; i < publishers; i++) {
                seen[i] = new BitSet();
            }
        }

        Tracking expect(int publisher) {
            expects[publisher] = true;
            return this;
        }

        Tracking expectAll() {
            java.util.Arrays.fill(expects, true);
            return this;
        }

        /** Messages of expected publishers this group never got. */
        long lost(List<Publisher> publishers) {
            long lost = 0;
            for (Publisher p : publishers) {
                if (expects[p.index]) {
                    lost += Math.max(0, p.sent - seen[p.index].cardinality());
                }
            }
            return lost;
        }

        long distinct() {
            long n = 0;
            for (BitSet s : seen) {
                n += s.cardinality();
            }
            return n;
        }
    }

    private final EventLoop loop;
    final Tracking tracking;
    private final long[] lastSeq;
    long outOfOrder;
    long received;

    Receiver(Client client, Tracking tracking) {
        this.loop = client.loop;
        this.tracking = tracking;
        this.lastSeq = new long[tracking.seen.length];
        java.util.Arrays.fill(lastSeq, -1);
        client.receiver = this;
    }

    void onMessage(ByteBuffer b, int off, int len) {
        Counters counters = loop.counters;
        if (len < MqttCodec.PAYLOAD_HEADER) {
            counters.foreign++;
            return;
        }
        int publisher = b.getInt(off);
        long seq = b.getLong(off + 4);
        long sentAt = b.getLong(off + 12);
        if (publisher < 0 || publisher >= lastSeq.length || seq < 0 || seq > Integer.MAX_VALUE) {
            counters.foreign++;
            return;
        }
        long now = System.nanoTime();
        received++;
        counters.received++;
        loop.lastReceiveNanos = now;
        if (loop.recording) {
            counters.deliveredInWindow++;
            Histogram h = loop.latency;
            h.recordValue(Math.max(0, Math.min(MAX_LATENCY_MICROS, (now - sentAt) / 1000)));
        }
        if (!tracking.expects[publisher]) {
            counters.unexpected++;
        }
        List<Publisher> publishers = loop.publishers();
        if (publisher < publishers.size()) {
            publishers.get(publisher).onDelivered();
        }
        BitSet seen = tracking.seen[publisher];
        int s = (int) seq;
        if (seen.get(s)) {
            tracking.duplicates++;
            return;
        }
        seen.set(s);
        tracking.distinctCount++;
        if (seq < lastSeq[publisher]) {
            outOfOrder++;
        } else {
            lastSeq[publisher] = seq;
        }
    }
}
