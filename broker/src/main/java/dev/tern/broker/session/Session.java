package dev.tern.broker.session;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.metrics.BrokerMetrics.DropReason;
import dev.tern.broker.protocol.ConnectPacket;
import dev.tern.broker.protocol.MqttVersion;
import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Subscriber;
import dev.tern.broker.routing.Subscription;
import io.netty.channel.EventLoop;
import io.netty.util.collection.IntObjectHashMap;
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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The server side of one MQTT session (section 4.1): subscriptions, messages queued and in flight
 * toward the client, QoS 2 packet identifiers received from it, its expiry and its pending will.
 *
 * <p>Threading: a session belongs to one event loop at a time, its <em>owner</em>: the loop of the
 * connection attached to it, or of the last one. All its state is touched only there. Other
 * threads reach it through {@link #execute}, a mailbox drained on the owner in FIFO order, so
 * messages from one publisher stay in order even while the session moves to another loop on
 * reconnect. No locks guard session state.
 */
public final class Session implements Subscriber {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    /** Session expiry "never" (MQTT 5's 0xFFFFFFFF, or -1 in configuration). */
    public static final long NEVER = -1;
    private static final int MAX_DRAIN_BATCH = 1024;

    private final String clientId;
    private final SessionServices services;
    private final SessionRegistry registry;
    private volatile EventLoop owner;
    private final Queue<Runnable> mailbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainMailbox;
    private boolean draining;

    private SessionConnection connection;
    private volatile boolean online;
    private volatile boolean ended;
    private MqttVersion version;
    private long expirySeconds;
    private final Map<String, Subscription> subscriptions = new HashMap<>(4);
    private IntObjectHashMap<Outgoing> inflight;
    private ArrayDeque<Outgoing> queue;
    /** In flight from an earlier connection, not yet resent on this one: waits for room in the window. */
    private ArrayDeque<Outgoing> resend;
    private IntObjectHashMap<Boolean> inboundQos2;
    private int nextPacketId = 1;
    private long sequence;
    private ScheduledFuture<?> expiryTimer;
    private ScheduledFuture<?> willTimer;
    private ConnectPacket.Will pendingWill;
    private long disconnectedAtMillis;

    Session(String clientId, EventLoop owner, SessionServices services, SessionRegistry registry) {
        this.clientId = clientId;
        this.owner = owner;
        this.services = services;
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
        if (!draining && mailbox.isEmpty() && owner.inEventLoop()) {
            runSafely(task);
            return;
        }
        mailbox.add(task);
        if (drainScheduled.compareAndSet(false, true)) {
            owner.execute(drainTask);
        }
    }

    private void drainMailbox() {
        EventLoop loop = owner;
        if (!loop.inEventLoop()) {
            loop.execute(drainTask); // the session moved while this drain was queued
            return;
        }
        draining = true;
        try {
            for (int i = 0; i < MAX_DRAIN_BATCH; i++) {
                Runnable task = mailbox.poll();
                if (task == null) {
                    break;
                }
                runSafely(task);
                if (owner != loop) {
                    owner.execute(drainTask); // handed over: the rest runs on the new owner
                    return;
                }
            }
        } finally {
            draining = false;
        }
        drainScheduled.set(false);
        if (!mailbox.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            owner.execute(drainTask);
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("session '{}': task failed", clientId, e);
        }
    }

    /** Moves the session to another loop. Called on the current owner; later tasks run on the new one. */
    void moveTo(EventLoop newOwner) {
        owner = newOwner;
    }

    // --- connect and disconnect -------------------------------------------------------------------

    /**
     * Attaches a connection (on the owner loop, which is the connection's loop). The caller sends
     * CONNACK next and then calls {@link #resume()}.
     */
    SessionConnection connection() {
        return connection;
    }

    void attach(SessionConnection c, MqttVersion version, long expirySeconds) {
        this.connection = c;
        this.version = version;
        this.expirySeconds = expirySeconds;
        this.online = true;
        cancel(expiryTimer);
        expiryTimer = null;
        // [MQTT-3.1.3-9] a new connection before the will delay elapsed: the will is not sent
        cancel(willTimer);
        willTimer = null;
        pendingWill = null;
    }

    /**
     * After CONNACK: resend what was in flight, in the original order, PUBLISH with DUP set and
     * PUBREL as PUBREL [MQTT-4.4.0-1] [MQTT-4.6.0-1]; then what waited in the queue. The resends too
     * stay within the new connection's Receive Maximum (section 4.9), which may be smaller than the
     * old one's: the rest follow as acknowledgements make room.
     */
    public void resume() {
        resend = null;
        if (inflight != null && !inflight.isEmpty()) {
            List<Outgoing> pending = new ArrayList<>(inflight.values());
            pending.sort((a, b) -> Long.compare(a.sequence, b.sequence));
            resend = new ArrayDeque<>(pending);
        }
        drainQueue();
        for (Subscription s : subscriptions.values()) {
            if (s.isShared()) {
                var group = services.subscriptions().sharedGroup(s.shareGroup(), s.topicFilter());
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
        if (will != null) {
            long delay = will.properties().willDelayInterval();
            if (delay > 0) {
                pendingWill = will;
                long wait = expirySeconds == NEVER ? delay : Math.min(delay, expirySeconds);
                willTimer = owner.schedule(() -> execute(this::willDelayElapsed), wait, TimeUnit.SECONDS);
            } else {
                publishWill(will);
            }
        }
        scheduleExpiry();
    }

    private void willDelayElapsed() {
        ConnectPacket.Will w = pendingWill;
        pendingWill = null;
        willTimer = null;
        if (w != null && connection == null && !ended) {
            publishWill(w);
        }
    }

    private void publishWill(ConnectPacket.Will will) {
        registry.publishWill(clientId, will);
    }

    private void scheduleExpiry() {
        cancel(expiryTimer);
        expiryTimer = null;
        if (expirySeconds != NEVER && expirySeconds > 0) {
            expiryTimer = owner.schedule(() -> execute(this::expireIfDue), expirySeconds, TimeUnit.SECONDS);
        }
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
    }

    public MqttVersion version() {
        return version;
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
        subscriptions.clear();
        if (inflight != null) {
            for (Outgoing o : inflight.values()) {
                o.releaseMessage();
            }
            inflight.clear();
        }
        if (queue != null) {
            for (Outgoing o : queue) {
                o.releaseMessage();
            }
            queue.clear();
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
        Subscription old = subscriptions.put(s.filter(), s);
        services.subscriptions().subscribe(s);
        return old;
    }

    /** Removes a subscription by the filter the client used; returns it, or null when there was none. */
    public Subscription removeSubscription(String filter) {
        Subscription old = subscriptions.remove(filter);
        if (old != null) {
            services.subscriptions().unsubscribe(this, old.topicFilter(), old.shareGroup());
        }
        return old;
    }

    public Collection<Subscription> subscriptions() {
        return Collections.unmodifiableCollection(subscriptions.values());
    }

    // --- inbound QoS 2 --------------------------------------------------------------------------

    /** Records an inbound QoS 2 packet id; false when it is already recorded (a resend). */
    public boolean markInboundQos2(int packetId) {
        if (inboundQos2 == null) {
            inboundQos2 = new IntObjectHashMap<>(8);
        }
        return inboundQos2.put(packetId, Boolean.TRUE) == null;
    }

    /** Forgets an inbound QoS 2 packet id on PUBREL; false when it was not known. */
    public boolean releaseInboundQos2(int packetId) {
        return inboundQos2 != null && inboundQos2.remove(packetId) != null;
    }

    public boolean hasInboundQos2(int packetId) {
        return inboundQos2 != null && inboundQos2.containsKey(packetId);
    }

    public int inboundQos2Count() {
        return inboundQos2 == null ? 0 : inboundQos2.size();
    }

    // --- outbound -------------------------------------------------------------------------------

    @Override
    public void deliver(Message message, int qos, boolean retainFlag, int[] subscriptionIds) {
        if (!draining && mailbox.isEmpty() && owner.inEventLoop()) {
            onDeliver(message, qos, retainFlag, subscriptionIds); // the caller's reference covers the call
            return;
        }
        message.retain();
        execute(() -> {
            try {
                onDeliver(message, qos, retainFlag, subscriptionIds);
            } finally {
                message.release();
            }
        });
    }

    private void onDeliver(Message message, int qos, boolean retainFlag, int[] subscriptionIds) {
        if (ended) {
            return;
        }
        SessionConnection c = connection;
        if (c == null) {
            if (qos == 0 && !services.config().queueQos0Messages()) {
                services.metrics().dropped(DropReason.QOS0_OFFLINE, clientId, message.topic());
                return;
            }
            enqueue(message, qos, retainFlag, subscriptionIds);
            return;
        }
        if ((queue == null || queue.isEmpty()) && (resend == null || resend.isEmpty()) && canSend(c, qos)) {
            send(c, new Outgoing(message.retain(), qos, retainFlag, subscriptionIds));
        } else {
            enqueue(message, qos, retainFlag, subscriptionIds);
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

    private void enqueue(Message message, int qos, boolean retainFlag, int[] subscriptionIds) {
        MqttConfig config = services.config();
        if (queue == null) {
            queue = new ArrayDeque<>(8);
        }
        if (queue.size() >= config.maxQueuedMessages()) {
            if (config.queueOverflowStrategy() == MqttConfig.QueueOverflowStrategy.DISCARD || queue.isEmpty()) {
                services.metrics().dropped(DropReason.QUEUE_FULL, clientId, message.topic());
                return;
            }
            Outgoing oldest = queue.poll();
            services.metrics().dropped(DropReason.QUEUE_FULL, clientId, oldest.message.topic());
            oldest.releaseMessage();
        }
        queue.add(new Outgoing(message.retain(), qos, retainFlag, subscriptionIds));
    }

    /** Sends the pending resends, then what the queue holds, while the window and the channel allow. */
    public void drainQueue() {
        SessionConnection c = connection;
        if (c == null) {
            return;
        }
        if (resend != null) {
            Outgoing o;
            while ((o = resend.peek()) != null && c.isWritable() && inflightCount() - resend.size() < c.sendWindow()) {
                resend.poll();
                if (inflight.get(o.packetId) != o) {
                    continue; // acknowledged meanwhile
                }
                if (o.released) {
                    c.writePubRel(o.packetId);
                } else if (!c.writePublish(o.message, o.qos, o.retain, true, o.packetId, o.subscriptionIds)) {
                    inflight.remove(o.packetId);
                    o.releaseMessage();
                }
            }
            if (!resend.isEmpty()) {
                return; // the queue waits behind the resends
            }
            resend = null;
        }
        if (queue == null) {
            return;
        }
        Outgoing o;
        while ((o = queue.peek()) != null && canSend(c, o.qos)) {
            queue.poll();
            send(c, o);
        }
    }

    /** Sends one message; takes over {@code o}'s message reference. */
    private void send(SessionConnection c, Outgoing o) {
        long now = services.clock().millis();
        if (o.message.isExpired(now)) {
            // [MQTT-3.3.2-5] an expired message is not delivered
            services.metrics().dropped(DropReason.EXPIRED, clientId, o.message.topic());
            o.releaseMessage();
            return;
        }
        if (o.qos == 0) {
            c.writePublish(o.message, 0, o.retain, false, 0, o.subscriptionIds);
            o.releaseMessage();
            return;
        }
        int id = allocatePacketId();
        if (id == 0) {
            if (queue == null) {
                queue = new ArrayDeque<>(8);
            }
            queue.addFirst(o); // every identifier is in use; wait for an acknowledgement
            return;
        }
        o.packetId = id;
        o.sequence = sequence++;
        if (c.writePublish(o.message, o.qos, o.retain, false, id, o.subscriptionIds)) {
            if (inflight == null) {
                inflight = new IntObjectHashMap<>(16);
            }
            inflight.put(id, o);
        } else {
            o.releaseMessage(); // too large for this client: behave as if delivered [MQTT-3.1.2-25]
        }
    }

    private int allocatePacketId() {
        for (int i = 0; i < 65535; i++) {
            int id = nextPacketId;
            nextPacketId = id == 65535 ? 1 : id + 1;
            if (inflight == null || !inflight.containsKey(id)) {
                return id;
            }
        }
        return 0;
    }

    /** PUBACK for a QoS 1 delivery. Unknown identifiers are ignored. */
    public void onPubAck(int packetId) {
        Outgoing o = inflight == null ? null : inflight.get(packetId);
        if (o == null || o.qos != 1) {
            return;
        }
        inflight.remove(packetId);
        forgetResend(o);
        o.releaseMessage();
        drainQueue();
    }

    /**
     * PUBREC for a QoS 2 delivery.
     *
     * @return true when the packet id was in flight and a PUBREL must follow
     */
    public boolean onPubRec(int packetId, int reasonCode) {
        Outgoing o = inflight == null ? null : inflight.get(packetId);
        if (o == null || o.qos != 2) {
            return false;
        }
        if (reasonCode >= 0x80) {
            // the receiver refused it: the exchange ends here (section 4.3.3)
            inflight.remove(packetId);
            forgetResend(o);
            o.releaseMessage();
            drainQueue();
            return false;
        }
        o.released = true;
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
        forgetResend(o);
        drainQueue();
    }

    /** An acknowledgement ended a delivery that was still waiting to be resent. */
    private void forgetResend(Outgoing o) {
        if (resend != null) {
            resend.remove(o);
        }
    }

    /** Whether a QoS 2 delivery with this id is awaiting PUBCOMP (so a PUBREC resend gets PUBREL again). */
    public boolean isReleased(int packetId) {
        Outgoing o = inflight == null ? null : inflight.get(packetId);
        return o != null && o.released;
    }

    public int queuedCount() {
        return queue == null ? 0 : queue.size();
    }

    public int inflightSize() {
        return inflightCount();
    }

    @Override
    public String toString() {
        return "Session[" + clientId + (online ? ", online" : ", offline") + "]";
    }
}
