package dev.tern.gateway.mqtt;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool of consumer sessions, one per (API, consumer identity, topic filter), at most
 * {@code maxConsumerSessions}. At the cap, the session idle the longest (no reader attached, none
 * about to attach) is closed to make room, as if its {@code sessionExpiryInterval} had run out: a
 * key-less caller chooses its own identity, so without this a burst of identities would pin every
 * slot for a whole expiry interval. Only when every session is in use is the request refused (503).
 *
 * <p>Threading: the map is guarded by this object's lock (taken once per request); each session's
 * own state stays on its context.
 */
public final class ConsumerSessions {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerSessions.class);

    private final Vertx vertx;
    private final int max;
    private final int bufferSize;
    private final Clock clock;
    private final Map<ConsumerSession.Key, ConsumerSession> sessions = new HashMap<>();
    private long evicted;

    public ConsumerSessions(Vertx vertx, int max, int bufferSize, Clock clock) {
        this.vertx = vertx;
        this.max = max;
        this.bufferSize = bufferSize;
        this.clock = clock;
    }

    /**
     * The session for this consumer and filter, created and subscribed when there is none. The caller
     * must {@link ConsumerSession#attach attach} a reader to it, or {@link ConsumerSession#release release} it.
     */
    public Future<ConsumerSession> acquire(ApiDefinition api, String identity, String filter) {
        ConsumerSession.Key key = new ConsumerSession.Key(api.id(), identity, filter);
        ConsumerSession session;
        boolean created = false;
        synchronized (this) {
            session = sessions.get(key);
            if (session == null || !session.isOpen()) {
                if (sessions.size() >= max && !evictIdlest()) {
                    return Future.failedFuture(new GatewayException(GatewayFailure.TOO_MANY_CONSUMER_SESSIONS,
                        "the gateway holds " + max + " consumer sessions (maxConsumerSessions), each with a reader"));
                }
                Context ctx = Vertx.currentContext() != null ? Vertx.currentContext() : vertx.getOrCreateContext();
                session = new ConsumerSession(vertx, ctx, key, api, bufferSize, this);
                sessions.put(key, session);
                created = true;
            }
            session.lease();
        }
        Promise<ConsumerSession> p = Promise.promise();
        ConsumerSession s = session;
        boolean start = created;
        s.context().runOnContext(v -> (start ? s.start() : s.ready()).onComplete(ar -> {
            if (ar.succeeded()) {
                p.complete(s);
            } else {
                p.fail(ar.cause());
            }
        }));
        return p.future();
    }

    /** Under the lock: closes the least recently used idle session, or returns false when there is none. */
    private boolean evictIdlest() {
        ConsumerSession victim = null;
        for (ConsumerSession c : sessions.values()) {
            if (!c.isOpen()) {
                victim = c; // closing already: only its removal is pending
                break;
            }
            if (c.isIdle() && (victim == null || c.idleSince() < victim.idleSince())) {
                victim = c;
            }
        }
        if (victim == null) {
            return false;
        }
        sessions.remove(victim.key());
        if (victim.isOpen()) {
            evicted++;
            LOG.info("consumer session {} of {} (idle since {}) closed to make room: maxConsumerSessions = {} reached "
                + "({} evicted so far)", victim.clientId(), victim.key().identity(), java.time.Instant.ofEpochMilli(victim.idleSince()),
                max, evicted);
            victim.evict();
        }
        return true;
    }

    synchronized void remove(ConsumerSession s) {
        sessions.remove(s.key(), s);
    }

    long now() {
        return clock.millis();
    }

    public synchronized int size() {
        return sessions.size();
    }

    /** For tests and the status API: the sessions now open. */
    public synchronized List<ConsumerSession> list() {
        return new ArrayList<>(sessions.values());
    }

    /**
     * Closes every session and discards its broker session too: its client id is random, so no
     * later gateway would resume it, and an orphan member left in the shared group could have
     * messages queued to it (Mosquitto does) that no one reads.
     */
    public void closeAll() {
        List<ConsumerSession> all = list();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(all.size());
        for (ConsumerSession s : all) {
            s.context().runOnContext(v -> s.close(true).whenComplete((x, e) -> done.countDown()));
        }
        try {
            done.await(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
