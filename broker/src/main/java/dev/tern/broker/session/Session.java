package dev.tern.broker.session;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.metrics.BrokerMetrics.DropReason;
import dev.tern.broker.protocol.ConnectPacket;
import dev.tern.broker.protocol.MqttVersion;
import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.SharedGroup;
import dev.tern.broker.routing.Subscriber;
import dev.tern.broker.routing.Subscription;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * The server side of one MQTT session (section 4.1): subscriptions, messages queued and in flight
 * toward the client, QoS 2 packet identifiers received from it, its expiry and its pending will.
 *
 * <p>Threading: a session belongs to one event loop at a time, its <em>owner</em>: the loop of the
 * connection attached to it, or of the last one. All its state is touched only there. Other
 * threads reach it through {@link #execute}, a mailbox drained on the owner in FIFO order, so
 * messages from one publisher stay in order even while the session moves to another loop on
 * reconnect. No locks guard session state.
 *
 * <p>Durability: a persistent session (expiry not 0) mirrors its state into the {@link SessionStore}.
 * A QoS 1/2 delivery to it is stored by the publisher's thread before it is handed over, and handed
 * over only once durable, so an acknowledged PUBLISH is never lost. Its first send is marked in the
 * store (a resend after a restart sets DUP, and an expired message that was never sent is dropped,
 * from disk too); PUBREL goes out only once the PUBREC that asks for it is durable, so a restart never
 * resends a PUBLISH the client already completed.
 */
public final class Session implements Subscriber, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    /** Session expiry "never" (MQTT 5's 0xFFFFFFFF, or -1 in configuration). */
    public static final long NEVER = -1;
    private static final int MAX_DRAIN_BATCH = 1024;

    private final String clientId;
    private final SessionServices services;
    private final SessionStore store;
    private final SessionRegistry registry;
    private volatile EventLoop owner;
    // Created on first use: most sessions never receive from another thread. Field updaters instead
    // of Atomic* objects: an idle connection's session is a good part of its memory.
    private volatile Queue<Runnable> mailbox;
    private volatile int drainScheduled;
    private boolean draining;
    private volatile long sequence;
    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Session, Queue> MAILBOX =
        AtomicReferenceFieldUpdater.newUpdater(Session.class, Queue.class, "mailbox");
    private static final AtomicIntegerFieldUpdater<Session> DRAIN_SCHEDULED =
        AtomicIntegerFieldUpdater.newUpdater(Session.class, "drainScheduled");
    private static final AtomicLongFieldUpdater<Session> SEQUENCE =
        AtomicLongFieldUpdater.newUpdater(Session.class, "sequence");

    private SessionConnection connection;
    private volatile boolean online;
    private volatile boolean ended;
    private volatile boolean persistent;
    private boolean stored;
    private MqttVersion version;
    private long expirySeconds;
    private Map<String, Subscription> subscriptions = Map.of();
    private PacketIdMap<Outgoing> inflight;
    private ArrayDeque<Outgoing> queue;
    private PacketIdMap<Boolean> inboundQos2;
    private ScheduledFuture<?> expiryTimer;
    private ScheduledFuture<?> willTimer;
    private ConnectPacket.Will pendingWill;
    private long disconnectedAtMillis;
    /** No queued message that was never sent expires before this: the scan looks at the queue only after it. */
    private long earliestQueuedExpiry = Message.NO_EXPIRY;

    Session(String clientId, EventLoop owner, SessionServices services, SessionRegistry registry) {
        this.clientId = clientId;
        this.owner = owner;
        this.services = services;
        this.store = services.store();
        this.registry = registry;
    }

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public boolean isOnline() {
        return online;
    }

    public boolean isEnded() {
        return ended;
    }

    EventLoop owner() {
        return owner;
    }

    // --- the mailbox ----------------------------------------------------------------------------

    /**
     * Runs a task on the session's owner loop, in the order tasks were submitted. Runs it at once
     * when already on the owner with nothing waiting ahead of it.
     */
    public void execute(Runnable task) {
        Queue<Runnable> q = mailbox;
        if (!draining && (q == null || q.isEmpty()) && owner.inEventLoop()) {
            runSafely(task);
            return;
        }
        if (q == null) {
            MAILBOX.compareAndSet(this, null, new ConcurrentLinkedQueue<Runnable>());
            q = mailbox;
        }
        q.add(task);
        if (DRAIN_SCHEDULED.compareAndSet(this, 0, 1)) {
            owner.execute(this);
        }
    }

    /** Drains the mailbox on the owner loop; scheduled by {@link #execute}, not for callers. */
    @Override
    public void run() {
        EventLoop loop = owner;
        if (!loop.inEventLoop()) {
            loop.execute(this); // the session moved while this drain was queued
            return;
        }
        Queue<Runnable> q = mailbox;
        draining = true;
        try {
            for (int i = 0; i < MAX_DRAIN_BATCH; i++) {
                Runnable task = q.poll();
                if (task == null) {
                    break;
                }
                runSafely(task);
                if (owner != loop) {
                    owner.execute(this); // handed over: the rest runs on the new owner
                    return;
                }
            }
        } finally {
            draining = false;
        }
        drainScheduled = 0;
        if (!q.isEmpty() && DRAIN_SCHEDULED.compareAndSet(this, 0, 1)) {
            owner.execute(this);
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("session '{}': task failed", clientId, e);
        }
    }

    /**
     * Moves the session to another loop. Called on the current owner; what this loop staged for
     * the store is written first, so the new owner's writes come after it.
     */
    void moveTo(EventLoop newOwner) {
        store.flushStaged();
        owner = newOwner;
    }

    // --- connect and disconnect -------------------------------------------------------------------

    SessionConnection connection() {
        return connection;
    }

    /**
     * Attaches a connection (on the owner loop, which is the connection's loop). The caller sends
     * CONNACK next and then calls {@link #resume()}.
     *
     * @param will the connection's will, recorded so a broker crash still publishes it after restart
     */
    void attach(SessionConnection c, MqttVersion version, long expirySeconds, ConnectPacket.Will will) {
        this.connection = c;
        this.version = version;
        this.expirySeconds = expirySeconds;
        this.persistent = expirySeconds != 0;
        this.online = true;
        cancel(expiryTimer);
        expiryTimer = null;
        // [MQTT-3.1.3-9] a new connection before the will delay elapsed: the will is not sent
        cancel(willTimer);
        willTimer = null;
        pendingWill = null;
        saveRecord(-1, will);
    }

    private void saveRecord(long disconnectedAt, ConnectPacket.Will will) {
        if (persistent && store.isDurable()) {
            SessionStore.SessionRecord r = new SessionStore.SessionRecord(clientId, version, expirySeconds, disconnectedAt,
                will);
            if (stored) {
                store.updateSession(r); // an existing record changes: written even while the disk is low
            } else {
                stored = store.saveSession(r); // a new session: refused while the disk is low
            }
        }
    }

    /**
     * After CONNACK: resend what was in flight, in the original order, PUBLISH with DUP set and
     * PUBREL as PUBREL [MQTT-4.4.0-1] [MQTT-4.6.0-1]; then what waited in the queue. The PUBLISH
     * resends go back to the head of the queue (keeping their packet identifiers), so they too stay
     * within the new connection's Receive Maximum (section 4.9), which may be smaller than the old
     * one's.
     */
    public void resume() {
        if (inflight != null && !inflight.isEmpty()) {
            List<Outgoing> pending = new ArrayList<>(inflight.values());
            pending.sort((a, b) -> Long.compare(b.seq, a.seq)); // newest first: each goes to the queue's head
            for (Outgoing o : pending) {
                if (!o.released) {
                    inflight.remove(o.packetId());
                    if (queue == null) {
                        queue = new ArrayDeque<>(8);
                    }
                    queue.addFirst(o);
                }
            }
            pending.sort((a, b) -> Long.compare(a.seq, b.seq));
            for (Outgoing o : pending) {
                if (o.released) {
                    connection.writePubRel(o.packetId());
                }
            }
        }
        drainQueue();
        for (Subscription s : subscriptions.values()) {
            if (s.isShared()) {
                SharedGroup group = services.subscriptions().sharedGroup(s.shareGroup(), s.topicFilter());
                if (group != null) {
                    services.router().drainShared(group);
                }
            }
        }
    }

    /**
     * The connection is gone (on the owner loop). Publishes or schedules the will when the
     * disconnect was not a normal one, and ends or schedules the end of the session.
     *
     * @param will the will to publish, or null (normal DISCONNECT [MQTT-3.14.4-3], or none set)
     */
    void detach(SessionConnection c, ConnectPacket.Will will) {
        if (connection != c) {
            return; // already taken over by a newer connection
        }
        connection = null;
        online = false;
        disconnectedAtMillis = services.clock().millis();
        if (expirySeconds == 0) {
            if (will != null) {
                publishWill(will);
            }
            end();
            return;
        }
        offline(will, 0);
    }

    /**
     * Goes offline with a will that is still to be published {@code elapsedMillis} after the
     * disconnect (0 for a live disconnect; more for a session restored after a restart).
     */
    private void offline(ConnectPacket.Will will, long elapsedMillis) {
        if (will != null) {
            long delayMillis = Math.max(will.properties().willDelayInterval(), 0) * 1000L;
            long expiryMillis = expirySeconds == NEVER ? Long.MAX_VALUE : expirySeconds * 1000L;
            long wait = Math.min(delayMillis, expiryMillis) - elapsedMillis;
            if (wait > 0) {
                pendingWill = will;
                willTimer = owner.schedule(() -> execute(this::willDelayElapsed), wait, TimeUnit.MILLISECONDS);
            } else {
                publishWill(will);
            }
        }
        saveRecord(disconnectedAtMillis, pendingWill);
        scheduleExpiry();
    }

    private void willDelayElapsed() {
        ConnectPacket.Will w = pendingWill;
        pendingWill = null;
        willTimer = null;
        if (w != null && connection == null && !ended) {
            publishWill(w);
            saveRecord(disconnectedAtMillis, null);
        }
    }

    private void publishWill(ConnectPacket.Will will) {
        registry.publishWill(clientId, will);
    }

    private void scheduleExpiry() {
        cancel(expiryTimer);
        expiryTimer = null;
        if (expirySeconds != NEVER && expirySeconds > 0) {
            long wait = disconnectedAtMillis + expirySeconds * 1000L - services.clock().millis();
            expiryTimer = owner.schedule(() -> execute(this::expireIfDue), Math.max(wait, 0), TimeUnit.MILLISECONDS);
        }
    }

    /** The backstop scan, on the owner: the session's own expiry, then its queued messages'. */
    void scanned() {
        expireIfDue();
        if (!ended) {
            dropExpired();
        }
    }

    /**
     * Drops the queued messages whose expiry has passed and that were never sent [MQTT-3.3.2-5],
     * from the store too. Looks at the queue only once the earliest such expiry has come.
     */
    void dropExpired() {
        if (queue == null || queue.isEmpty()) {
            earliestQueuedExpiry = Message.NO_EXPIRY;
            return;
        }
        long now = services.clock().millis();
        if (now < earliestQueuedExpiry) {
            return;
        }
        long next = Message.NO_EXPIRY;
        java.util.Iterator<Outgoing> it = queue.iterator();
        while (it.hasNext()) {
            Outgoing o = it.next();
            Message m = o.message;
            if (o.sent || m == null || !m.hasExpiry()) {
                continue;
            }
            if (m.isExpired(now)) {
                it.remove();
                services.metrics().dropped(DropReason.EXPIRED, clientId, m.topic());
                finish(o);
            } else {
                next = Math.min(next, m.expiresAtMillis());
            }
        }
        earliestQueuedExpiry = next;
    }

    /** Ends the session when it is offline and its expiry has passed (timer and backstop scan). */
    void expireIfDue() {
        if (ended || connection != null || expirySeconds == NEVER) {
            return;
        }
        long now = services.clock().millis();
        if (now - disconnectedAtMillis >= expirySeconds * 1000L) {
            LOG.debug("session '{}' expired after {} s offline", clientId, expirySeconds);
            services.metrics().sessionsExpired.increment();
            end();
        } else if (expiryTimer == null) {
            scheduleExpiry();
        }
    }

    /** The session expiry interval in seconds, {@link #NEVER} for none; DISCONNECT may change it. */
    public long expirySeconds() {
        return expirySeconds;
    }

    public void expirySeconds(long seconds) {
        this.expirySeconds = seconds;
        this.persistent = seconds != 0;
    }

    public MqttVersion version() {
        return version;
    }

    /** True when the session outlives its connection (expiry not 0), so its state is stored. */
    public boolean isPersistent() {
        return persistent;
    }

    /**
     * Ends the session (on the owner loop): its subscriptions leave the tree, its messages are
     * released, a pending will is published [MQTT-3.1.2-8], and the registry forgets it.
     */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        online = false;
        cancel(expiryTimer);
        cancel(willTimer);
        for (Subscription s : subscriptions.values()) {
            services.subscriptions().unsubscribe(this, s.topicFilter(), s.shareGroup());
        }
        subscriptions = Map.of();
        if (inflight != null) {
            inflight.values().forEach(this::finish);
            inflight.clear();
        }
        if (queue != null) {
            queue.forEach(this::finish);
            queue.clear();
        }
        if (stored) {
            store.deleteSession(clientId);
        }
        registry.removed(this);
        ConnectPacket.Will w = pendingWill;
        pendingWill = null;
        if (w != null) {
            publishWill(w);
        }
    }

    /** Releases every message the session holds; for broker shutdown, after the event loops stopped. */
    public void releaseAll() {
        if (inflight != null) {
            inflight.values().forEach(Outgoing::releaseMessage);
            inflight.clear();
        }
        if (queue != null) {
            queue.forEach(Outgoing::releaseMessage);
            queue.clear();
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // --- subscriptions --------------------------------------------------------------------------

    /** Adds or replaces a subscription; returns the one it replaced, or null. */
    public Subscription addSubscription(Subscription s) {
        if (subscriptions.isEmpty()) {
            subscriptions = new HashMap<>(4);
        }
        Subscription old = subscriptions.put(s.filter(), s);
        services.subscriptions().subscribe(s);
        if (persistent && store.isDurable()) {
            store.saveSubscription(clientId, s);
        }
        return old;
    }

    /** Removes a subscription by the filter the client used; returns it, or null when there was none. */
    public Subscription removeSubscription(String filter) {
        if (subscriptions.isEmpty()) {
            return null;
        }
        Subscription old = subscriptions.remove(filter);
        if (old != null) {
            services.subscriptions().unsubscribe(this, old.topicFilter(), old.shareGroup());
            if (persistent && store.isDurable()) {
                store.deleteSubscription(clientId, filter);
            }
        }
        return old;
    }

    /**
     * Puts a subscription back in memory only, after the store could not write its removal (or
     * refused its replacement): memory stays what the disk has.
     */
    public void restoreSubscription(Subscription s) {
        if (ended) {
            return;
        }
        if (subscriptions.isEmpty()) {
            subscriptions = new HashMap<>(4);
        }
        subscriptions.put(s.filter(), s);
        services.subscriptions().subscribe(s);
    }

    /** Removes a subscription from memory only: its store write was refused, so the disk never had it. */
    public void forgetSubscription(Subscription s) {
        if (subscriptions.get(s.filter()) == s) {
            subscriptions.remove(s.filter());
            services.subscriptions().unsubscribe(this, s.topicFilter(), s.shareGroup());
        }
    }

    public Collection<Subscription> subscriptions() {
        return Collections.unmodifiableCollection(subscriptions.values());
    }

    // --- inbound QoS 2 --------------------------------------------------------------------------

    /** Records an inbound QoS 2 packet id; false when it is already recorded (a resend). */
    public boolean markInboundQos2(int packetId) {
        if (inboundQos2 == null) {
            inboundQos2 = new PacketIdMap<>(8);
        }
        boolean added = inboundQos2.put(packetId, Boolean.TRUE) == null;
        if (added && persistent && store.isDurable()) {
            store.addInboundQos2(clientId, packetId);
        }
        return added;
    }

    /** Forgets an inbound QoS 2 packet id on PUBREL; false when it was not known. */
    public boolean releaseInboundQos2(int packetId) {
        boolean known = inboundQos2 != null && inboundQos2.remove(packetId) != null;
        if (known && persistent && store.isDurable()) {
            store.removeInboundQos2(clientId, packetId);
        }
        return known;
    }

    /**
     * Records an inbound QoS 2 packet id again in memory only: its removal on PUBREL could not be
     * written, so the disk still has it (and the client, not answered, resends PUBREL).
     */
    public void keepInboundQos2(int packetId) {
        if (ended) {
            return;
        }
        if (inboundQos2 == null) {
            inboundQos2 = new PacketIdMap<>(8);
        }
        inboundQos2.put(packetId, Boolean.TRUE);
    }

    public boolean hasInboundQos2(int packetId) {
        return inboundQos2 != null && inboundQos2.containsKey(packetId);
    }

    public int inboundQos2Count() {
        return inboundQos2 == null ? 0 : inboundQos2.size();
    }

    // --- outbound -------------------------------------------------------------------------------

    /**
     * Hands a message to this session, from the publisher's thread. A QoS 1/2 delivery to a
     * persistent session is staged in the store right here (in the publisher's batch) and handed
     * over once durable; anything else is handed over in the same order, after what this thread
     * already waits for.
     */
    @Override
    public void deliver(Message message, int qos, boolean retainFlag, int[] subscriptionIds) {
        if (!store.isDurable()) {
            handOff(message, qos, retainFlag, subscriptionIds, -1, null);
            return;
        }
        long seq = -1;
        Object handle = null;
        long mark = store.mark();
        if (qos > 0 && persistent && !ended) {
            seq = SEQUENCE.getAndIncrement(this);
            handle = store.enqueue(clientId, seq, message, qos, retainFlag, subscriptionIds); // null: refused
        }
        final long s = seq;
        final Object h = handle;
        message.retain();
        store.afterDurable(mark, ok -> {
            try {
                if (ok) {
                    handOff(message, qos, retainFlag, subscriptionIds, s, h);
                } else if (h != null) {
                    store.dequeue(clientId, s, h); // not stored: the publisher is refused and will resend
                }
            } finally {
                message.release();
            }
        });
    }

    private void handOff(Message message, int qos, boolean retainFlag, int[] ids, long seq, Object handle) {
        Queue<Runnable> q = mailbox;
        if (!draining && (q == null || q.isEmpty()) && owner.inEventLoop()) {
            onDeliver(message, qos, retainFlag, ids, seq, handle); // the caller's reference covers the call
            return;
        }
        message.retain();
        execute(() -> {
            try {
                onDeliver(message, qos, retainFlag, ids, seq, handle);
            } finally {
                message.release();
            }
        });
    }

    private void onDeliver(Message message, int qos, boolean retainFlag, int[] ids, long seq, Object handle) {
        if (qos == 0 && !ended) {
            // the common QoS 0 case, straight to the wire: no queue entry, no extra reference
            SessionConnection c = connection;
            if (c != null && (queue == null || queue.isEmpty()) && c.isWritable()) {
                if (message.hasExpiry() && message.isExpired(services.clock().millis())) {
                    services.metrics().dropped(DropReason.EXPIRED, clientId, message.topic());
                } else {
                    c.writePublish(message, 0, retainFlag, false, 0, ids);
                }
                return;
            }
        }
        Outgoing o = new Outgoing(message.retain(), qos, retainFlag, ids, seq, handle);
        if (ended) {
            finish(o);
            return;
        }
        SessionConnection c = connection;
        if (c == null) {
            if (qos == 0 && !services.config().queueQos0Messages()) {
                services.metrics().dropped(DropReason.QOS0_OFFLINE, clientId, message.topic());
                finish(o);
                return;
            }
            enqueue(o);
            return;
        }
        if ((queue == null || queue.isEmpty()) && canSend(c, qos)) {
            if (!send(c, o)) {
                enqueue(o);
            }
        } else {
            enqueue(o);
        }
    }

    private boolean canSend(SessionConnection c, int qos) {
        if (!c.isWritable()) {
            return false;
        }
        return qos == 0 || inflightCount() < c.sendWindow();
    }

    private int inflightCount() {
        return inflight == null ? 0 : inflight.size();
    }

    private void enqueue(Outgoing o) {
        MqttConfig config = services.config();
        if (queue == null) {
            queue = new ArrayDeque<>(8);
        }
        if (queue.size() >= config.maxQueuedMessages()) {
            if (config.queueOverflowStrategy() == MqttConfig.QueueOverflowStrategy.DISCARD || queue.isEmpty()) {
                services.metrics().dropped(DropReason.QUEUE_FULL, clientId, o.message.topic());
                finish(o);
                return;
            }
            Outgoing oldest = queue.poll();
            services.metrics().dropped(DropReason.QUEUE_FULL, clientId, oldest.message.topic());
            finish(oldest);
        }
        queue.add(o);
        noteExpiry(o);
    }

    private void noteExpiry(Outgoing o) {
        if (!o.sent && o.message != null && o.message.hasExpiry()) {
            earliestQueuedExpiry = Math.min(earliestQueuedExpiry, o.message.expiresAtMillis());
        }
    }

    /** Sends what the queue holds while the window and the channel allow. */
    public void drainQueue() {
        SessionConnection c = connection;
        if (c == null || queue == null) {
            return;
        }
        Outgoing o;
        while ((o = queue.peek()) != null && canSend(c, o.qos)) {
            queue.poll();
            if (!send(c, o)) {
                queue.addFirst(o);
                return;
            }
        }
    }

    /**
     * Sends one message, taking over {@code o}.
     *
     * @return false when it cannot go yet (its packet identifier is still in flight); the caller keeps it
     */
    private boolean send(SessionConnection c, Outgoing o) {
        if (!o.sent && o.message.hasExpiry() && o.message.isExpired(services.clock().millis())) {
            // [MQTT-3.3.2-5] an expired message is not delivered, unless its onward delivery has started
            services.metrics().dropped(DropReason.EXPIRED, clientId, o.message.topic());
            finish(o);
            return true;
        }
        if (o.qos == 0) {
            c.writePublish(o.message, 0, o.retain, false, 0, o.subscriptionIds);
            finish(o);
            return true;
        }
        if (o.seq < 0) {
            o.seq = SEQUENCE.getAndIncrement(this);
        }
        int id = o.packetId();
        if (inflight != null && inflight.containsKey(id)) {
            return false;
        }
        if (!o.sent && o.handle != null) {
            // staged before the PUBLISH is written: a restart resends it with DUP and never drops it as expired
            store.markSent(clientId, o.seq);
        }
        if (c.writePublish(o.message, o.qos, o.retain, o.sent, id, o.subscriptionIds)) {
            o.sent = true;
            if (inflight == null) {
                inflight = new PacketIdMap<>(16);
            }
            inflight.put(id, o);
        } else {
            finish(o); // too large for this client: behave as if delivered [MQTT-3.1.2-25]
        }
        return true;
    }

    /** The delivery is over (acknowledged, expired, dropped): forget it here and in the store. */
    private void finish(Outgoing o) {
        o.releaseMessage();
        if (o.handle != null) {
            store.dequeue(clientId, o.seq, o.handle);
            o.handle = null;
        }
    }

    /** PUBACK for a QoS 1 delivery. Unknown identifiers are ignored. */
    public void onPubAck(int packetId) {
        Outgoing o = inflight == null ? null : inflight.get(packetId);
        if (o == null || o.qos != 1) {
            return;
        }
        inflight.remove(packetId);
        finish(o);
        drainQueue();
    }

    /** What a PUBREC asks for. */
    public enum PubRecResult {
        /** PUBREL, once what this PUBREC changed is durable ({@link #pubRecDurable}) */
        RELEASE,
        /** the packet id is not a QoS 2 delivery in flight: PUBREL with 0x92 */
        UNKNOWN,
        /** the client refused the message (reason 0x80 or more): the exchange ends, nothing is sent */
        ENDED
    }

    /**
     * PUBREC for a QoS 2 delivery: marks it released (in the store too). A resend of PUBREC asks
     * for PUBREL again.
     */
    public PubRecResult onPubRec(int packetId, int reasonCode) {
        Outgoing o = inflight == null ? null : inflight.get(packetId);
        if (o == null || o.qos != 2) {
            return PubRecResult.UNKNOWN;
        }
        if (o.released) {
            return PubRecResult.RELEASE;
        }
        if (reasonCode >= 0x80) {
            // the receiver refused it: the exchange ends here (section 4.3.3)
            inflight.remove(packetId);
            finish(o);
            drainQueue();
            return PubRecResult.ENDED;
        }
        o.released = true;
        if (o.handle != null) {
            store.markReleased(clientId, o.seq);
        }
        return PubRecResult.RELEASE;
    }

    /**
     * The write after a PUBREC is done. True when PUBREL may go out: the entry is released and
     * that is durable ([MQTT-4.3.3-4]; a PUBREL sent earlier, then PUBCOMP and a crash, would have
     * the restart resend the PUBLISH to a client that already completed it: a duplicate). When the
     * write failed the entry goes back to awaiting PUBREC, with its message kept: the PUBLISH is
     * resent with DUP on the next connection.
     */
    public boolean pubRecDurable(int packetId, boolean durable) {
        Outgoing o = inflight == null ? null : inflight.get(packetId);
        if (o == null || !o.released) {
            return false;
        }
        if (!durable) {
            o.released = o.message == null; // a message already released cannot be resent: keep releasing
            return false;
        }
        o.releaseMessage();
        return true;
    }

    /** PUBCOMP for a QoS 2 delivery. */
    public void onPubComp(int packetId) {
        Outgoing o = inflight == null ? null : inflight.get(packetId);
        if (o == null || !o.released) {
            return;
        }
        inflight.remove(packetId);
        finish(o);
        drainQueue();
    }

    public int queuedCount() {
        return queue == null ? 0 : queue.size();
    }

    public int inflightSize() {
        return inflightCount();
    }

    // --- restore after a restart ----------------------------------------------------------------

    /**
     * Rebuilds a stored session (before the listeners open). Entries that were released (PUBREL
     * owed) go back in flight, the rest to the queue; those sent before are resent with DUP, those
     * never sent and expired are dropped (from disk too).
     * What needs the other sessions to exist first (its will, its expiry) is added to
     * {@code afterRestore}.
     */
    static Session restore(SessionStore.StoredSession stored, EventLoop owner, SessionServices services,
                           SessionRegistry registry, List<Runnable> afterRestore) {
        SessionStore.SessionRecord r = stored.record();
        Session s = new Session(r.clientId(), owner, services, registry);
        s.version = r.version();
        s.expirySeconds = r.expirySeconds();
        s.persistent = true;
        s.stored = true;
        long now = services.clock().millis();
        s.disconnectedAtMillis = r.disconnectedAtMillis() < 0 ? now : r.disconnectedAtMillis();
        for (SessionStore.StoredSubscription sub : stored.subscriptions()) {
            Subscription subscription = SubscriptionFactory.fromStored(s, sub);
            if (subscription != null) {
                if (s.subscriptions.isEmpty()) {
                    s.subscriptions = new HashMap<>(4);
                }
                s.subscriptions.put(subscription.filter(), subscription);
                services.subscriptions().subscribe(subscription);
            }
        }
        long maxSeq = -1;
        for (SessionStore.StoredEntry e : stored.entries()) {
            Outgoing o = new Outgoing(e.message(), e.qos(), e.retainFlag(), e.subscriptionIds(), e.seq(), e.handle());
            o.sent = e.progress() != SessionStore.Progress.QUEUED; // DUP on resend only when it was sent before
            maxSeq = Math.max(maxSeq, e.seq());
            if (!o.sent && e.message().isExpired(now)) {
                // [MQTT-3.3.2-5] expired before onward delivery started: dropped, and deleted from disk
                services.metrics().dropped(DropReason.EXPIRED, r.clientId(), e.message().topic());
                s.finish(o);
                continue;
            }
            if (e.progress() == SessionStore.Progress.RELEASED) {
                o.released = true;
                o.releaseMessage();
                if (s.inflight == null) {
                    s.inflight = new PacketIdMap<>(16);
                }
                s.inflight.put(o.packetId(), o);
            } else {
                if (s.queue == null) {
                    s.queue = new ArrayDeque<>(Math.min(stored.entries().size(), 1024));
                }
                // the limit holds across a restart: a crash can come between an entry's write and
                // the write that dropped it for overflow (another thread's batch)
                s.enqueue(o);
            }
        }
        s.sequence = maxSeq + 1;
        for (int id : stored.inboundQos2()) {
            if (s.inboundQos2 == null) {
                s.inboundQos2 = new PacketIdMap<>(8);
            }
            s.inboundQos2.put(id, Boolean.TRUE);
        }
        long elapsed = now - s.disconnectedAtMillis;
        afterRestore.add(() -> s.execute(() -> {
            s.offline(r.will(), elapsed);
            s.expireIfDue();
        }));
        return s;
    }

    @Override
    public String toString() {
        return "Session[" + clientId + (online ? ", online" : ", offline") + "]";
    }
}
