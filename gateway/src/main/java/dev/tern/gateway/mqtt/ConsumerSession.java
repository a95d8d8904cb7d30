package dev.tern.gateway.mqtt;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One consumer's MQTT session for one topic filter, pooled between requests (gap 9): one client,
 * subscribed to {@code $share/{consumer identity}/{filter}} with manual acknowledgement. Messages
 * wait in {@code pending} until a reader (poll, SSE stream, WebSocket) takes them; a message is
 * PUBACKed when it is handed to a reader and then kept in a bounded replay log, so a cursor or a
 * {@code Last-Event-ID} can ask for it again (gap 4, gap 10). Because the client stays connected
 * between polls, nothing published between two polls is lost even on brokers that do not queue for
 * a shared group with no member (gap 3). The session ends {@code idleMs} after its last reader left.
 *
 * <p>Threading: every field is touched only on {@code ctx} (one Vert.x event loop); the HiveMQ
 * callback and all public methods hop there. The volatile counters (readers, leases, pending) are
 * written there and read by the pool and by status calls from any thread.
 */
public final class ConsumerSession {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerSession.class);
    /** With no expiry, a new session still waits this long for the request that created it to attach. */
    private static final long FIRST_READER_GRACE_MS = 10_000;

    /** What identifies a session in the pool. */
    public record Key(String apiId, String identity, String filter) {
    }

    /**
     * A message waiting for a reader, still without its id; {@code publish} is null for a
     * retained-snapshot copy (nothing to acknowledge); {@code connection} is the number of the client's
     * connection it came on ({@link EndpointConnection#connections()}), so a copy from before a reconnect
     * can be told apart.
     */
    private record Incoming(GatewayMessage message, Mqtt5Publish publish, int connection) {
        void acknowledge() {
            if (publish != null) {
                publish.acknowledge();
            }
        }
    }

    private final Vertx vertx;
    private final Context ctx;
    private final Key key;
    private final ApiDefinition api;
    private final EndpointConnection connection;
    private final int bufferSize;
    private final long idleMs;
    private final ConsumerSessions pool;
    private final ArrayDeque<Incoming> pending = new ArrayDeque<>();
    private final ReplayLog replay;
    private final List<Reader> readers = new ArrayList<>();
    private final Promise<Void> ready;
    private int next;
    private long idleTimer = -1;
    private volatile boolean closed;
    /** Set by the pool when it evicts this session: no request may get it any more. */
    private volatile boolean retired;
    /** Requests that got this session from the pool and have not attached their reader yet. */
    private final AtomicInteger leases = new AtomicInteger();
    private volatile int readerCount;
    private volatile long idleSince;
    private long dropped;
    private volatile int pendingCount;
    private volatile int maxPending;

    ConsumerSession(Vertx vertx, Context ctx, Key key, ApiDefinition api, int bufferSize, ConsumerSessions pool) {
        this.vertx = vertx;
        this.ctx = ctx;
        this.key = key;
        this.api = api;
        this.bufferSize = bufferSize;
        this.replay = new ReplayLog(bufferSize);
        this.pool = pool;
        this.idleSince = pool.now();
        long expiry = api.endpoint().shared().sessionExpiryInterval();
        this.idleMs = expiry > 0 ? expiry * 1000 : 0;
        this.ready = Promise.promise();
        String prefix = api.endpoint().shared().clientIdPrefix();
        this.connection = new EndpointConnection(api.endpoint(), EndpointConnection.randomClientId(prefix),
            // Receive Maximum = the buffer: the broker holds back QoS 1/2 messages beyond what waits here unacknowledged
            new EndpointConnection.Options(true, Math.max(0, expiry), bufferSize),
            new EndpointConnection.Events() {
                @Override
                public void connected(boolean sessionPresent, boolean reconnect) {
                    int current = ConsumerSession.this.connection.connections();
                    ctx.runOnContext(v -> onConnected(sessionPresent, reconnect, current));
                }

                @Override
                public void closed(GatewayException failure) {
                    ctx.runOnContext(v -> fail(failure));
                }
            });
    }

    public Key key() {
        return key;
    }

    public String clientId() {
        return connection.clientId();
    }

    /** The shared subscription this session holds. */
    public String sharedFilter() {
        return "$share/" + Topics.groupName(key.identity()) + "/" + key.filter();
    }

    /** Connects and subscribes; completes when the SUBACK granted the subscription. */
    Future<Void> start() {
        MqttQos qos = MqttQos.fromCode(api.endpoint().shared().consumer().qos().code());
        // one global flow, registered before CONNECT, so redeliveries after a resumed session reach us too
        connection.client().publishes(MqttGlobalPublishFilter.ALL, p -> {
            int on = connection.connections(); // read here, on the client's side: see EndpointConnection.connections()
            ctx.runOnContext(x -> onPublish(p, on));
        }, true);
        connection.connect()
            .thenCompose(v -> connection.client().subscribeWith()
                .topicFilter(sharedFilter()).qos(qos)
                .send())
            .whenComplete((ack, err) -> ctx.runOnContext(x -> {
                if (err != null) {
                    fail(Publisher.failure(EndpointConnection.unwrap(err)));
                    return;
                }
                Mqtt5SubAckReasonCode code = ack.getReasonCodes().get(0);
                if (code.isError()) {
                    fail(new GatewayException(GatewayFailure.FAILURE_ENDPOINT_UNKNOWN_ERROR, "the broker refused the subscription to "
                        + sharedFilter() + ": SUBACK " + code.name().toLowerCase(Locale.ROOT) + " (0x"
                        + Integer.toHexString(code.getCode()) + ")"));
                    return;
                }
                if (api.endpoint().shared().consumer().retainedSnapshot()) {
                    RetainedSnapshot.take(api.endpoint(), key.filter()).whenComplete((retained, e) -> ctx.runOnContext(y -> {
                        if (e != null) {
                            LOG.warn("consumer session {}: no retained snapshot of {}: {}", connection.clientId(), key.filter(),
                                EndpointConnection.unwrap(e).toString());
                        } else {
                            for (int i = retained.size() - 1; i >= 0; i--) {
                                pending.addFirst(new Incoming(GatewayMessage.of(null, retained.get(i)), null, 0));
                            }
                            held();
                        }
                        ready.tryComplete();
                        scheduleIdle(idleMs > 0 ? idleMs : FIRST_READER_GRACE_MS);
                    }));
                    return;
                }
                ready.tryComplete();
                scheduleIdle(idleMs > 0 ? idleMs : FIRST_READER_GRACE_MS);
            }));
        return ready.future();
    }

    Future<Void> ready() {
        return ready.future();
    }

    private void onPublish(Mqtt5Publish p, int on) {
        if (closed) {
            return;
        }
        if (p.isRetain() && api.endpoint().shared().consumer().retainedSnapshot()) {
            // RETAIN set on a subscription's delivery means a retained message sent because of the SUBSCRIBE
            // [MQTT-3.3.1-9]. A shared subscription should get none (MQTT 5 §4.8.2; Mosquitto 2.0.11 sends them):
            // the snapshot already holds it, so this copy would reach the consumer twice.
            p.acknowledge();
            return;
        }
        GatewayMessage m = GatewayMessage.of(null, p);
        if (pending.size() >= bufferSize && p.getQos().getCode() == 0) {
            // QoS 0 has no flow control: drop the oldest. QoS 1/2 stay unacknowledged until a reader takes
            // them, so the Receive Maximum announced in CONNECT (= bufferSize) makes the broker hold the rest.
            Incoming oldest = pending.poll();
            oldest.acknowledge();
            if (dropped++ % 1000 == 0) {
                LOG.warn("consumer session {} dropped its oldest message: {} messages pending ({} dropped so far)",
                    connection.clientId(), bufferSize, dropped);
            }
        }
        pending.add(new Incoming(m, p, on));
        held();
        dispatch();
    }

    /**
     * A (re)connection. When it resumed the session, the broker sends every unacknowledged QoS 1 PUBLISH
     * again [MQTT-4.4.0-1], and the HiveMQ client hands those on as new messages, while for the copies
     * received before an acknowledgement no longer reaches the broker: those copies go, so readers do
     * not get each message twice. They are still acknowledged to the client, which frees them (it sends
     * no PUBACK for them). A QoS 2 copy stays: the client keeps it valid and does not hand the resent one on.
     */
    private void onConnected(boolean sessionPresent, boolean reconnect, int current) {
        if (reconnect && sessionPresent) {
            int before = pending.size();
            pending.removeIf(in -> {
                boolean stale = in.publish() != null && in.publish().getQos() == MqttQos.AT_LEAST_ONCE
                    && in.connection() < current;
                if (stale) {
                    in.acknowledge();
                }
                return stale;
            });
            held();
            if (pending.size() < before) {
                LOG.debug("consumer session {} resumed: {} unacknowledged message(s) will come again", clientId(),
                    before - pending.size());
            }
        }
    }

    /** Records how many messages wait here, for {@link #pendingCount()} and {@link #maxPending()}. */
    private void held() {
        pendingCount = pending.size();
        if (pendingCount > maxPending) {
            maxPending = pendingCount;
        }
    }

    /** False once the broker showed it ignores the Receive Maximum announced (see {@link EndpointConnection}). */
    public boolean announcesReceiveMaximum() {
        return connection.announcesReceiveMaximum();
    }

    /** Messages waiting here for a reader now. */
    public int pendingCount() {
        return pendingCount;
    }

    /** The most messages that ever waited here at once (retained-snapshot copies included). */
    public int maxPending() {
        return maxPending;
    }

    /** Hands pending messages to ready readers, round robin, acknowledging each to the broker. */
    public void dispatch() {
        if (Vertx.currentContext() != ctx) {
            ctx.runOnContext(v -> dispatch());
            return;
        }
        while (!pending.isEmpty() && !readers.isEmpty()) {
            String origin = pending.peek().message().origin();
            if (origin != null && readers.stream().allMatch(x -> origin.equals(x.origin()))) {
                // no-local: its only readers published it; nobody else here wants it
                Incoming own = pending.poll();
                own.acknowledge();
                held();
                continue;
            }
            Reader r = nextReady(origin);
            if (r == null) {
                return;
            }
            Incoming in = pending.poll();
            held();
            in.acknowledge();
            r.deliver(replay.number(in.message()));
        }
    }

    private Reader nextReady(String origin) {
        for (int i = 0; i < readers.size(); i++) {
            Reader r = readers.get((next + i) % readers.size());
            if (r.ready() && (origin == null || !origin.equals(r.origin()))) {
                next = (next + i + 1) % readers.size();
                return r;
            }
        }
        return null;
    }

    /**
     * Attaches a reader; with {@code afterId} (a cursor or Last-Event-ID of this session) it first
     * gets the already-delivered messages after that id, up to while it is ready.
     */
    public void attach(Reader r, String afterId) {
        ctx.runOnContext(v -> {
            if (closed) {
                leases.decrementAndGet();
                r.failed(new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_CLOSED, "the consumer session ended"));
                return;
            }
            cancelIdle();
            for (GatewayMessage m : replay.after(afterId)) {
                if (!r.ready()) {
                    break;
                }
                r.deliver(m);
            }
            readers.add(r);
            readersChanged();
            leases.decrementAndGet(); // after readerCount: the pool never sees this session idle in between
            dispatch();
        });
    }

    public void detach(Reader r) {
        ctx.runOnContext(v -> {
            readers.remove(r);
            readersChanged();
            if (readers.isEmpty()) {
                scheduleIdle();
            }
        });
    }

    private void readersChanged() {
        readerCount = readers.size();
        if (readerCount == 0) {
            idleSince = pool.now();
        }
    }

    /** Taken by the pool for each request it hands this session to; the request's attach gives it back. */
    void lease() {
        leases.incrementAndGet();
    }

    /** For a request that got this session but will not attach after all (a failed WebSocket handshake). */
    public void release() {
        leases.decrementAndGet();
        if (readerCount == 0) {
            idleSince = pool.now();
        }
    }

    /** Readers attached now. */
    public int readerCount() {
        return readerCount;
    }

    /** True while requests may still get this session from the pool. */
    boolean isOpen() {
        return !closed && !retired;
    }

    /** Up, and nobody reads it or is about to: the pool may close it to make room. Any thread. */
    boolean isIdle() {
        return isOpen() && ready.future().succeeded() && readerCount == 0 && leases.get() == 0;
    }

    /** When its last reader left (or it was created); the pool evicts the one idle the longest. */
    long idleSince() {
        return idleSince;
    }

    /** Closes it for the pool, which has already forgotten it: as if its idle time had run out. */
    void evict() {
        retired = true;
        ctx.runOnContext(v -> close(true));
    }


    private void scheduleIdle() {
        scheduleIdle(idleMs);
    }

    /** Closes the session {@code delayMs} from now unless a reader attaches first (0: now). */
    private void scheduleIdle(long delayMs) {
        cancelIdle();
        if (!readers.isEmpty() || closed) {
            return;
        }
        if (delayMs == 0) {
            close(true);
            return;
        }
        idleTimer = vertx.setTimer(delayMs, id -> {
            idleTimer = -1;
            if (readers.isEmpty()) {
                LOG.debug("consumer session {} idle for {} ms: closing", connection.clientId(), delayMs);
                close(true);
            }
        });
    }

    private void cancelIdle() {
        if (idleTimer >= 0) {
            vertx.cancelTimer(idleTimer);
            idleTimer = -1;
        }
    }

    private void fail(GatewayException failure) {
        if (closed) {
            return;
        }
        ready.tryFail(failure);
        List<Reader> rs = new ArrayList<>(readers);
        readers.clear();
        readersChanged();
        rs.forEach(r -> r.failed(failure));
        close(false);
    }

    /** Ends the session; {@code discard}: the broker drops the MQTT session too (it expired here). */
    java.util.concurrent.CompletableFuture<Void> close(boolean discard) {
        if (closed) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        closed = true;
        cancelIdle();
        ready.tryFail(new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_CLOSED, "the consumer session ended"));
        List<Reader> rs = new ArrayList<>(readers);
        readers.clear();
        readersChanged();
        GatewayException gone = new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_CLOSED, "the consumer session ended");
        rs.forEach(r -> r.failed(gone));
        pending.clear();
        held();
        pool.remove(this);
        return connection.disconnect(discard);
    }

    public Context context() {
        return ctx;
    }
}
