package dev.tern.broker.routing;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The members of one shared subscription {@code $share/{name}/{filter}} (section 4.8.2) and the
 * messages waiting for a member to come online. Each message goes to one member, chosen round
 * robin among the connected ones; with no member connected it waits in the group's queue.
 *
 * <p>Threading: members change under the subscription tree's lock (volatile array swap); picking
 * and the queue are lock-free and used from any event loop.
 */
public final class SharedGroup {
    private static final Subscription[] NONE = new Subscription[0];

    private final String name;
    private final String topicFilter;
    private volatile Subscription[] members = NONE;
    private final AtomicInteger next = new AtomicInteger();
    private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();

    /** A message waiting for a member, with its position and its store handle (null when not stored). */
    public record Queued(Message message, long seq, Object handle) {
    }
    private volatile boolean closed;

    SharedGroup(String name, String topicFilter) {
        this.name = name;
        this.topicFilter = topicFilter;
    }

    public String name() {
        return name;
    }

    public String topicFilter() {
        return topicFilter;
    }

    Subscription put(Subscription s) {
        Subscription[] m = members;
        for (int i = 0; i < m.length; i++) {
            if (m[i].subscriber() == s.subscriber()) {
                Subscription old = m[i];
                Subscription[] copy = m.clone();
                copy[i] = s;
                members = copy;
                return old;
            }
        }
        Subscription[] copy = Arrays.copyOf(m, m.length + 1);
        copy[m.length] = s;
        members = copy;
        return null;
    }

    Subscription remove(Subscriber subscriber) {
        Subscription[] m = members;
        for (int i = 0; i < m.length; i++) {
            if (m[i].subscriber() == subscriber) {
                Subscription old = m[i];
                Subscription[] copy = new Subscription[m.length - 1];
                System.arraycopy(m, 0, copy, 0, i);
                System.arraycopy(m, i + 1, copy, i, m.length - i - 1);
                members = copy.length == 0 ? NONE : copy;
                return old;
            }
        }
        return null;
    }

    boolean isEmpty() {
        return members.length == 0;
    }

    public int memberCount() {
        return members.length;
    }

    /**
     * The next connected member in round-robin order, skipping {@code excludedClientId} (the
     * publisher, when every member asked for No Local), or null when none is connected.
     */
    Subscription pickOnline() {
        Subscription[] m = members;
        int n = m.length;
        if (n == 0) {
            return null;
        }
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            Subscription s = m[(start + i) % n];
            if (s.subscriber().isOnline()) {
                return s;
            }
        }
        return null;
    }

    public boolean hasQueued() {
        return queued.get() > 0;
    }

    public int queuedCount() {
        return queued.get();
    }

    long nextSequence() {
        return sequence.getAndIncrement();
    }

    /** Adds a message (the queue takes its own reference); false when the group is closed. */
    boolean enqueue(Message m, long seq, Object handle) {
        if (closed) {
            return false;
        }
        queue.add(new Queued(m.retain(), seq, handle));
        queued.incrementAndGet();
        if (closed) {
            drainAndRelease();
        }
        return true;
    }

    /** Puts back a stored message after a restart; false when the group is already closed. */
    public boolean restore(long seq, Message m, Object handle) {
        sequence.accumulateAndGet(seq + 1, Math::max);
        return enqueue(m, seq, handle);
    }

    /** The oldest queued message (the caller owns its message reference), or null. */
    public Queued poll() {
        Queued q = queue.poll();
        if (q != null) {
            queued.decrementAndGet();
        }
        return q;
    }

    /** The group lost its last member, or the broker stops: queued messages have nowhere to go. */
    public void close() {
        closed = true;
        drainAndRelease();
    }

    private void drainAndRelease() {
        Queued q;
        while ((q = poll()) != null) {
            q.message().release();
        }
    }
}
