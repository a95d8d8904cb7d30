package dev.tern.broker.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The members of one shared subscription {@code $share/{name}/{filter}} (section 4.8.2) and the
 * messages waiting for a member to come online. Each message goes to one member, chosen round
 * robin among the connected ones; with no member connected it waits in the group's queue.
 *
 * <p>Threading: members change under the subscription tree's lock (volatile array swap); picking
 * and the queue are lock-free and used from any event loop.
 *
 * <p>Durability: a stored message joins the queue at once (so the group keeps its order) but is
 * <em>pending</em> until the publisher's write is durable; {@link #pollDurable()} never takes a
 * pending one. Otherwise another event loop could hand it to a member and delete its entry before
 * the publisher's write of that entry landed, and the late write would bring it back after a
 * restart. An entry dropped while pending (overflow, the group dissolving) is deleted by the
 * publisher's thread once its write is done, after it, for the same reason.
 */
public final class SharedGroup {
    private static final Subscription[] NONE = new Subscription[0];
    private static final int PENDING = 0;
    private static final int DURABLE = 1;
    /** Taken out of the queue while pending: the publisher's thread deletes its entry after its write. */
    private static final int DROPPED = 2;
    private static final int DONE = 3;

    private final String name;
    private final String topicFilter;
    private volatile Subscription[] members = NONE;
    private final AtomicInteger next = new AtomicInteger();
    private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    /** Shared by every group of the tree: a new group never reuses the keys of an old one. */
    private final AtomicLong sequence;
    private volatile boolean closed;
    private volatile boolean shutDown;

    /** A message waiting for a member, with its position and its store handle (null when not stored). */
    public static final class Queued {
        private final Message message;
        private final long seq;
        private final Object handle;
        private final AtomicInteger state;

        Queued(Message message, long seq, Object handle, boolean durable) {
            this.message = message;
            this.seq = seq;
            this.handle = handle;
            this.state = new AtomicInteger(durable ? DURABLE : PENDING);
        }

        public Message message() {
            return message;
        }

        public long seq() {
            return seq;
        }

        public Object handle() {
            return handle;
        }
    }

    SharedGroup(String name, String topicFilter, AtomicLong sequence) {
        this.name = name;
        this.topicFilter = topicFilter;
        this.sequence = sequence;
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

    /**
     * Adds a message (the queue takes its own reference): durable at once when it is not stored
     * ({@code handle} null), else pending until {@link #stored}. Null when the group is closed.
     */
    Queued enqueue(Message m, long seq, Object handle) {
        return add(m, seq, handle, handle == null);
    }

    private Queued add(Message m, long seq, Object handle, boolean durable) {
        if (closed) {
            return null;
        }
        Queued q = new Queued(m.retain(), seq, handle, durable);
        queue.add(q);
        queued.incrementAndGet();
        if (closed && queue.remove(q)) {
            // closed meanwhile, and the closer missed it
            queued.decrementAndGet();
            m.release();
            return null;
        }
        return q;
    }

    /** Puts back a stored (so durable) message after a restart; false when the group is already closed. */
    public boolean restore(long seq, Message m, Object handle) {
        sequence.accumulateAndGet(seq + 1, Math::max);
        return add(m, seq, handle, true) != null;
    }

    /** What {@link #stored} tells the publisher's thread to do next. */
    enum Stored {
        /** durable and waiting in the queue: hand it to a member if one is online */
        DRAIN,
        /** not in the queue any more: delete its entry (the caller holds the only handle) */
        DELETE,
        /** the broker is stopping: leave it stored */
        KEEP
    }

    /*
     * Who owns what: whoever takes an entry out of the queue owns its message reference. Its
     * stored entry is deleted by whoever took it out if it was durable then, else by the
     * publisher's thread in stored(), after the publisher's own write.
     */

    /** The publisher's write of {@code q} is done ({@code ok}) or failed. Called once per pending entry. */
    Stored stored(Queued q, boolean ok) {
        if (shutDown) {
            return Stored.KEEP;
        }
        if (ok && q.state.compareAndSet(PENDING, DURABLE)) {
            return Stored.DRAIN;
        }
        if (!ok && q.state.compareAndSet(PENDING, DONE)) {
            // the write failed (the publisher was refused and resends): out of the queue
            if (queue.remove(q)) {
                queued.decrementAndGet();
                q.message.release();
            }
            return Stored.DELETE;
        }
        q.state.set(DONE); // dropped while pending: whoever took it out released its message
        return Stored.DELETE;
    }

    /** The oldest queued message if its write is durable, taken out (the caller owns its reference); else null. */
    public Queued pollDurable() {
        while (true) {
            Queued head = queue.peek();
            if (head == null || head.state.get() != DURABLE) {
                return null;
            }
            if (queue.remove(head)) {
                queued.decrementAndGet();
                head.state.set(DONE);
                return head;
            }
        }
    }

    /**
     * The oldest queued message, for the overflow strategy, taken out: returned when it is durable
     * (the caller deletes it and owns its reference); when it is still pending its publisher's
     * thread deletes it, its message is released here, and the result says {@code droppedPending}.
     */
    Taken pollOldest() {
        Queued q = queue.poll();
        if (q == null) {
            return null;
        }
        queued.decrementAndGet();
        return take(q);
    }

    /** An entry taken out of the queue: {@code durable} null when it was pending (its publisher deletes it). */
    record Taken(Queued durable, Message message) {
    }

    private Taken take(Queued q) {
        if (q.state.get() == PENDING && q.state.compareAndSet(PENDING, DROPPED)) {
            q.message.release();
            return new Taken(null, q.message);
        }
        if (q.state.get() == DURABLE) {
            q.state.set(DONE);
            return new Taken(q, q.message);
        }
        // its write failed meanwhile (stored() owns the delete, and could not take it out)
        q.message.release();
        return new Taken(null, q.message);
    }

    /**
     * The group lost its last member: nothing will take its messages. Returns the durable ones,
     * whose entries the caller deletes (and whose references it releases); pending ones are deleted
     * by their publishers' threads.
     */
    List<Queued> dissolve() {
        closed = true;
        List<Queued> out = new ArrayList<>();
        Queued q;
        while ((q = queue.poll()) != null) {
            queued.decrementAndGet();
            Taken t = take(q);
            if (t.durable() != null) {
                out.add(t.durable());
            }
        }
        return out;
    }

    /** The broker stops: queued messages are released and stay stored. */
    public void close() {
        shutDown = true;
        closed = true;
        Queued q;
        while ((q = queue.poll()) != null) {
            queued.decrementAndGet();
            q.message.release();
        }
    }
}
