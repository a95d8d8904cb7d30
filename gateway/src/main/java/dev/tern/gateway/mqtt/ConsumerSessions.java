package dev.tern.gateway.mqtt;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The pool of consumer sessions, one per (API, consumer identity, topic filter), bounded. */
public final class ConsumerSessions {
    private final Vertx vertx;
    private final int max;
    private final int bufferSize;
    private final ConcurrentHashMap<ConsumerSession.Key, ConsumerSession> sessions = new ConcurrentHashMap<>();

    public ConsumerSessions(Vertx vertx, int max, int bufferSize) {
        this.vertx = vertx;
        this.max = max;
        this.bufferSize = bufferSize;
    }

    /** The session for this consumer and filter, created and subscribed when there is none. */
    public Future<ConsumerSession> acquire(ApiDefinition api, String identity, String filter) {
        ConsumerSession.Key key = new ConsumerSession.Key(api.id(), identity, filter);
        boolean[] created = new boolean[1];
        ConsumerSession s;
        try {
            s = sessions.compute(key, (k, existing) -> {
                if (existing != null && !existing.isClosed()) {
                    return existing;
                }
                if (sessions.size() >= max) {
                    throw new GatewayException(GatewayFailure.TOO_MANY_CONSUMER_SESSIONS,
                        "the gateway holds " + max + " consumer sessions (maxConsumerSessions)");
                }
                created[0] = true;
                Context ctx = Vertx.currentContext() != null ? Vertx.currentContext() : vertx.getOrCreateContext();
                return new ConsumerSession(vertx, ctx, k, api, bufferSize, this::remove);
            });
        } catch (GatewayException e) {
            return Future.failedFuture(e);
        }
        Promise<ConsumerSession> p = Promise.promise();
        ConsumerSession session = s;
        Runnable go = () -> (created[0] ? session.start() : session.ready()).onComplete(ar -> {
            if (ar.succeeded()) {
                p.complete(session);
            } else {
                p.fail(ar.cause());
            }
        });
        session.context().runOnContext(v -> go.run());
        return p.future();
    }

    private void remove(ConsumerSession s) {
        sessions.remove(s.key(), s);
    }

    public int size() {
        return sessions.size();
    }

    /** For tests and the status API: the sessions now open. */
    public List<ConsumerSession> list() {
        return new ArrayList<>(sessions.values());
    }

    /**
     * Closes every session and discards its broker session too: its client id is random, so no
     * later gateway would resume it, and an orphan member left in the shared group could have
     * messages queued to it (Mosquitto does) that no one reads.
     */
    public void closeAll() {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(list().size());
        for (ConsumerSession s : list()) {
            s.context().runOnContext(v -> s.close(true).whenComplete((x, e) -> done.countDown()));
        }
        try {
            done.await(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
