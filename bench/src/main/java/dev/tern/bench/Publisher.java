package dev.tern.bench;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;

/**
 * The publishing side of a {@link Client}: copies its pre-encoded PUBLISH into the client's output
 * buffer, patching packet id, sequence number and timestamp, as long as flow control allows.
 *
 * <p>Flow control, end to end: at most {@code window} messages sent but not yet received by every
 * subscriber that should get them ({@code copiesPerMessage} deliveries per message). Without end
 * to end accounting (messages into offline sessions) the window counts PUBLISHes the broker has not
 * acknowledged. QoS 1/2 also never exceed the broker's Receive Maximum nor reuse a packet id that
 * is still unacknowledged.
 *
 * <p>Threading: touched only by the {@link EventLoop}'s thread.
 */
final class Publisher {
    /** PUBLISHes one pump writes at most, so one busy publisher cannot starve the others. */
    private static final int MAX_BATCH = 256;

    final int index;
    final Client client;
    private final MqttCodec.PublishTemplate template;
    private final int qos;
    private final int copiesPerMessage;
    private final int window;
    private final boolean endToEnd;
    private final long intervalNanos;
    private final long limit;
    /** As fast as flow control allows: wait until this much of the window is free, then write it in one go. */
    private final int refill;
    private final boolean[] idBusy;
    private int nextId = 1;
    private int brokerUnacked;
    private long nextDueNanos;
    long sent;
    long deliveredCopies;
    long acked;
    long rejected;
    private long writtenOff;
    private long lastProgressCopies;
    private long lastProgressNanos;

    /**
     * @param copiesPerMessage deliveries that complete one message end to end (subscribers per message)
     * @param window           messages in flight at most
     * @param endToEnd         count in-flight messages until delivered (true) or until acknowledged by the broker
     * @param intervalNanos    time between two PUBLISHes at a fixed rate, 0 for as fast as flow control allows
     * @param limit            messages to send in all, or {@link Long#MAX_VALUE}
     */
    Publisher(int index, Client client, MqttCodec.PublishTemplate template, int qos, int copiesPerMessage, int window,
              boolean endToEnd, long intervalNanos, long limit) {
        this.index = index;
        this.client = client;
        this.template = template;
        this.qos = qos;
        this.copiesPerMessage = Math.max(1, copiesPerMessage);
        this.window = window;
        this.endToEnd = endToEnd;
        this.intervalNanos = intervalNanos;
        this.limit = limit;
        this.refill = intervalNanos > 0 ? 1 : Math.max(1, window / 8);
        this.idBusy = qos > 0 ? new boolean[65536] : null;
        client.publisher = this;
    }

    /** Starts the fixed-rate schedule at {@code startNanos}, staggered by {@code offsetNanos}. */
    void schedule(long startNanos, long offsetNanos) {
        nextDueNanos = startNanos + offsetNanos;
        lastProgressNanos = startNanos;
    }

    long inFlight() {
        return endToEnd ? sent - writtenOff - deliveredCopies / copiesPerMessage : brokerUnacked;
    }

    boolean done() {
        return sent >= limit;
    }

    int unacknowledged() {
        return brokerUnacked;
    }

    /**
     * Nanoseconds until this publisher may send again: 0 when it can send now, Long.MAX_VALUE when
     * it waits for the network (window full, socket full, not connected).
     */
    long waitNanos(long now) {
        if (!client.isConnected() || client.writeBlocked || sent >= limit || !windowOpen()
            || (qos > 0 && brokerUnacked >= client.receiveMaximum)) {
            return Long.MAX_VALUE;
        }
        return intervalNanos > 0 ? Math.max(0, nextDueNanos - now) : 0;
    }

    /** Writes as many PUBLISHes as allowed into the client's buffer; the loop flushes it. */
    int pump(long now, boolean recording, Counters counters) {
        if (!client.isConnected() || client.writeBlocked) {
            return 0;
        }
        if (!windowOpen()) {
            return 0;
        }
        int length = template.length();
        int n = 0;
        while (n < MAX_BATCH && sent < limit && inFlight() < window) {
            long stamp = now;
            if (intervalNanos > 0) {
                if (nextDueNanos - now > 0) {
                    break;
                }
                // the time it should have been sent: a late send shows as latency (no coordinated omission)
                stamp = nextDueNanos;
                if (recording) {
                    Histogram d = client.loop.sendDelay;
                    d.recordValue(Math.min(d.getHighestTrackableValue(), (now - stamp) / 1000));
                }
            }
            if (qos > 0 && brokerUnacked >= client.receiveMaximum) {
                break;
            }
            ByteBuffer out = client.out;
            if (out.remaining() < length) {
                client.flush();
                out = client.out;
                if (client.writeBlocked || out == null || out.remaining() < length) {
                    break;
                }
            }
            int id = qos > 0 ? takeId() : 0;
            int base = out.position();
            out.put(template.bytes());
            if (id != 0) {
                out.putShort(base + template.packetIdOffset(), (short) id);
            }
            int p = base + template.payloadOffset();
            out.putInt(p, index);
            out.putLong(p + 4, sent);
            out.putLong(p + 12, stamp);
            sent++;
            n++;
            if (intervalNanos > 0) {
                nextDueNanos += intervalNanos;
            }
        }
        if (n > 0) {
            if (recording) {
                counters.publishedInWindow += n;
            }
            client.markDirty();
        }
        return n;
    }

    /**
     * True when enough of the window is free to send: at a fixed rate one slot, as fast as
     * possible an eighth of it (or what is left to send), so writes carry several PUBLISHes and
     * the generator spends its CPU on messages, not on system calls.
     */
    private boolean windowOpen() {
        long free = window - inFlight();
        return free >= refill || (free > 0 && limit - sent <= free);
    }

    private int takeId() {
        while (true) {
            int id = nextId;
            nextId = id == 65535 ? 1 : id + 1;
            if (!idBusy[id]) {
                idBusy[id] = true;
                brokerUnacked++;
                return id;
            }
        }
    }

    /** PUBACK, PUBCOMP, or a PUBREC with an error reason: the packet id is free again. */
    void onAck(int packetId, int reason) {
        if (idBusy == null || !idBusy[packetId]) {
            client.loop.counters.unknownAcks++;
            return;
        }
        idBusy[packetId] = false;
        brokerUnacked--;
        acked++;
        if (reason >= 0x80) {
            rejected++;
        }
    }

    void onDelivered() {
        deliveredCopies++;
    }

    /**
     * Called every few hundred milliseconds: a window that has stayed closed without any delivery for
     * {@code stallNanos} is written off (the broker dropped those messages; the end-of-run count
     * says how many), so a QoS 0 loss does not stop the run.
     *
     * @return true when the window was written off
     */
    boolean checkStall(long now, long stallNanos) {
        if (deliveredCopies != lastProgressCopies || !endToEnd || windowOpen() || sent >= limit) {
            lastProgressCopies = deliveredCopies;
            lastProgressNanos = now;
            return false;
        }
        if (now - lastProgressNanos < stallNanos) {
            return false;
        }
        writtenOff = sent - deliveredCopies / copiesPerMessage;
        lastProgressNanos = now;
        return true;
    }
}
