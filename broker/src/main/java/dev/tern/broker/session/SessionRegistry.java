package dev.tern.broker.session;

import dev.tern.broker.protocol.ConnectPacket;
import dev.tern.broker.protocol.MqttVersion;
import dev.tern.broker.protocol.ReasonCode;
import dev.tern.broker.metrics.BrokerMetrics;
import dev.tern.broker.routing.Message;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * All sessions by client identifier, and the CONNECT-time session logic: create, resume, clean
 * start, and take-over of a connected client id (link stealing, [MQTT-3.1.4-3]).
 *
 * <p>Threading: the map is concurrent; everything that touches a session runs on its owner loop
 * through {@link Session#execute}. A take-over is a task in the old session's mailbox, so
 * competing CONNECTs for one client id are serialised by that mailbox.
 */
public final class SessionRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final SessionServices services;

    public SessionRegistry(SessionServices services) {
        this.services = services;
    }

    /** What the connection learns of its CONNECT, on its own event loop. */
    public interface ConnectCallback {
        /**
         * The session is attached; send CONNACK once the session's record is durable (wait with
         * {@code store.afterDurable(mark, ...)}: a record the store refused makes it false), then
         * call {@link Session#resume()}.
         */
        void accepted(Session session, boolean sessionPresent, long mark);

        /** The CONNECT is refused (link stealing disabled and the client id is connected). */
        void refused(ReasonCode reason, String why);
    }

    /**
     * A CONNECT that passed validation and authentication.
     *
     * @param expirySeconds the session expiry to apply, {@link Session#NEVER} for none
     * @param loop          the new connection's event loop
     */
    public record ConnectRequest(String clientId, boolean cleanStart, MqttVersion version, long expirySeconds,
                                 ConnectPacket.Will will, EventLoop loop, SessionConnection connection,
                                 ConnectCallback callback) {
    }

    /** Starts connecting a client; the callback runs on {@code request.loop()}. Call on that loop. */
    public void connect(ConnectRequest request) {
        Session existing = sessions.get(request.clientId());
        if (existing == null) {
            Session fresh = new Session(request.clientId(), request.loop(), services, this);
            long mark = services.store().mark();
            fresh.attach(request.connection(), request.version(), request.expirySeconds(), request.will());
            if (sessions.putIfAbsent(request.clientId(), fresh) == null) {
                request.callback().accepted(fresh, false, mark);
            } else {
                connect(request); // another CONNECT created it first: take it over instead
            }
            return;
        }
        existing.execute(() -> takeOver(existing, request));
    }

    /** Runs on the existing session's owner loop. */
    private void takeOver(Session s, ConnectRequest request) {
        if (s.isEnded()) {
            request.loop().execute(() -> connect(request));
            return;
        }
        SessionConnection old = s.connection();
        if (old != null) {
            if (!services.config().allowLinkStealing()) {
                request.loop().execute(() -> request.callback().refused(ReasonCode.UNSPECIFIED_ERROR,
                    "client id '" + request.clientId() + "' is connected and allowLinkStealing is false"));
                return;
            }
            LOG.info("client '{}' connected again from {}: taking the session over from {}", request.clientId(),
                request.connection().remoteAddress(), old.remoteAddress());
            ConnectPacket.Will oldWill = old instanceof WillHolder h ? h.takeWill() : null;
            old.disconnect(ReasonCode.SESSION_TAKEN_OVER, "another connection uses this client id");
            s.detach(old, oldWill);
        }
        if (request.cleanStart() || s.isEnded()) {
            s.end();
            // The old session's delete is written before anything of the new one, and the new session
            // is created on its own loop: its record is staged where its CONNACK and SUBACKs wait, so
            // they wait for it (and a later delete of it on that loop cannot be overtaken by it).
            services.store().flushStaged();
            request.loop().execute(() -> connect(request));
            return;
        }
        s.moveTo(request.loop());
        s.execute(() -> {
            long mark = services.store().mark();
            s.attach(request.connection(), request.version(), request.expirySeconds(), request.will());
            request.callback().accepted(s, true, mark);
        });
    }

    /**
     * A connection ended (on its own loop). {@code will} is the will to publish (null after a
     * normal DISCONNECT).
     */
    public void disconnected(Session s, SessionConnection c, ConnectPacket.Will will) {
        s.execute(() -> s.detach(c, will));
    }

    void removed(Session s) {
        sessions.remove(s.clientId(), s);
    }

    /** Publishes a will message now (section 3.1.2.5); wills bypass nothing but the publisher's connection. */
    void publishWill(String clientId, ConnectPacket.Will will) {
        long now = services.clock().millis();
        long expiry = will.properties().messageExpiryInterval();
        Message m = new Message(will.topic(), will.qos(), will.retain(), will.properties(),
            Unpooled.wrappedBuffer(will.payload()), expiry >= 0 ? now + expiry * 1000 : Message.NO_EXPIRY, clientId);
        try {
            services.metrics().willsPublished.increment();
            LOG.debug("publishing the will of '{}' to '{}'", clientId, will.topic());
            services.router().publish(m);
        } finally {
            m.release();
        }
    }

    /**
     * Rebuilds the stored sessions at start, before any listener opens: subscriptions back in the
     * tree, queues and in-flight messages back in each session, shared groups' waiting messages back
     * in their groups; then wills that are due are published and expired sessions end.
     */
    public void restore(SessionStore.Recovered recovered, io.netty.channel.EventLoopGroup loops) {
        java.util.List<Runnable> afterRestore = new java.util.ArrayList<>();
        for (SessionStore.StoredSession stored : recovered.sessions()) {
            Session s = Session.restore(stored, loops.next(), services, this, afterRestore);
            sessions.put(s.clientId(), s);
        }
        long now = services.clock().millis();
        for (SessionStore.StoredSharedEntry e : recovered.sharedEntries()) {
            services.subscriptions().advanceSharedSequence(e.seq());
            var group = services.subscriptions().sharedGroup(e.group(), e.topicFilter());
            boolean expired = e.message().isExpired(now); // stored, so never sent: message expiry drops it, from disk too
            if (expired) {
                services.metrics().dropped(BrokerMetrics.DropReason.EXPIRED, "$share/" + e.group(), e.message().topic());
            }
            if (group == null || expired || !services.router().restoreShared(group, e.seq(), e.message(), e.handle())) {
                services.store().dequeueShared(e.group(), e.topicFilter(), e.seq(), e.handle());
            }
            e.message().release();
        }
        afterRestore.forEach(Runnable::run);
    }

    /**
     * The backstop scan: asks every offline session whether its expiry has passed, and drops the
     * messages in its queue whose expiry has (from disk too), so abandoned queues do not keep them.
     */
    public void scan() {
        for (Session s : sessions.values()) {
            if (!s.isOnline()) {
                s.execute(s::scanned);
            }
        }
    }

    public Session get(String clientId) {
        return sessions.get(clientId);
    }

    public int size() {
        return sessions.size();
    }

    public Collection<Session> all() {
        return sessions.values();
    }

    /** A connection that carries a will and can hand it over once, so it is published once. */
    public interface WillHolder {
        ConnectPacket.Will takeWill();
    }
}
