package dev.tern.broker.session;

import dev.tern.broker.protocol.ConnectPacket;
import dev.tern.broker.protocol.MqttVersion;
import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Subscription;

import java.util.List;

/**
 * Durable copy of session state. The in-memory {@link Session} objects stay authoritative while
 * the broker runs; every change that must survive a restart is also staged here, and
 * {@link #recover()} rebuilds the sessions at start.
 *
 * <p>Staging is thread-confined: the changes a thread stages form one batch, written when the
 * thread's event-loop turn ends (or at once off an event loop). {@link #afterDurable} runs an
 * action once everything the thread staged before it is durable, in submission order; the broker
 * sends PUBACK / PUBREC / PUBREL / PUBCOMP / SUBACK / UNSUBACK / CONNACK and hands deliveries to
 * other sessions through it, so nothing is acknowledged before it is stored. With nothing staged and
 * nothing waiting, the action runs at once.
 *
 * <p>Additions and removals: while the disk is low on space the store refuses the writes that
 * <em>add</em> data (a queued message, a new session, a subscription, a retained message) and keeps
 * writing everything that removes or marks data (acknowledgements, released marks, inbound packet
 * ids, session deletes, unsubscribes), which frees space. A refused addition is not staged; the
 * caller learns it through {@link #afterDurable(long, DurableAction)} with the {@link #mark()} it
 * took before staging, and refuses what depended on it. One batch decides once: either every
 * addition of a thread's batch is refused or none is.
 *
 * <p>Implementations: {@code storage.memory.MemorySessionStore} (stores nothing),
 * {@code storage.rocksdb.RocksStore}.
 */
public interface SessionStore extends AutoCloseable {

    /** False for the memory store: nothing to stage, nothing to wait for. */
    boolean isDurable();

    /**
     * Runs {@code action} once everything this thread staged so far is durable (at once if nothing is
     * pending). The action learns whether the write succeeded: false when the store could not write,
     * so the caller refuses instead of acknowledging. For work that only removes or marks data.
     */
    void afterDurable(DurableAction action);

    /**
     * As {@link #afterDurable(DurableAction)}, and the action also learns false when the store refused
     * an addition this thread staged after {@code since} (a {@link #mark()}).
     */
    void afterDurable(long since, DurableAction action);

    /** This thread's count of refused additions, to pass to {@link #afterDurable(long, DurableAction)}. */
    long mark();

    /**
     * False when this thread's current batch refuses additions (disk low on space). Work that moves
     * data (a removal that is only right if the matching addition is written) asks first.
     */
    boolean acceptsAdditions();

    /** An action that waits for durability. */
    @FunctionalInterface
    interface DurableAction {
        void run(boolean durable);
    }

    /**
     * The session's own record: version, expiry, when it went offline, and the will that would be
     * published if the broker stopped now (or the pending delayed will).
     *
     * @param disconnectedAtMillis wall-clock time it went offline, or -1 while connected
     */
    record SessionRecord(String clientId, MqttVersion version, long expirySeconds, long disconnectedAtMillis,
                         ConnectPacket.Will will) {
    }

    /**
     * Stores the record of a session that is not stored yet (an addition).
     *
     * @return false when it was not staged (refused for lack of space, or the store is closed)
     */
    boolean saveSession(SessionRecord record);

    /** Replaces the record of a stored session (written even while additions are refused). */
    void updateSession(SessionRecord record);

    /** Deletes the session with its subscriptions, queue and inbound QoS 2 state. */
    void deleteSession(String clientId);

    void saveSubscription(String clientId, Subscription subscription);

    void deleteSubscription(String clientId, String filter);

    /**
     * A message waiting for, or in flight to, one session. {@code seq} orders the queue and fixes the
     * packet id.
     *
     * @return a handle the caller passes to {@link #dequeue} (null for stores that keep nothing)
     */
    Object enqueue(String clientId, long seq, Message message, int qos, boolean retainFlag, int[] subscriptionIds);

    /**
     * The entry's PUBLISH is being sent for the first time: after a restart it is resent with DUP
     * set, and kept even when it has expired [MQTT-3.3.2-5].
     */
    void markSent(String clientId, long seq);

    /** QoS 2: PUBREC arrived, PUBREL is owed until PUBCOMP. */
    void markReleased(String clientId, long seq);

    /** The entry is done (acknowledged, expired, dropped); {@code handle} is what {@link #enqueue} returned. */
    void dequeue(String clientId, long seq, Object handle);

    /**
     * Writes what this thread has staged now, before a session moves to another event loop, so the
     * new loop's writes cannot overtake the old loop's.
     */
    void flushStaged();

    void addInboundQos2(String clientId, int packetId);

    void removeInboundQos2(String clientId, int packetId);

    /** A message a shared group keeps while none of its members is connected; returns a handle as {@link #enqueue}. */
    Object enqueueShared(String group, String topicFilter, long seq, Message message);

    void dequeueShared(String group, String topicFilter, long seq, Object handle);

    /** Everything stored, for the broker to rebuild its state at start. */
    Recovered recover();

    /** What {@link #recover()} found. Messages referenced by several entries are one shared object. */
    record Recovered(List<StoredSession> sessions, List<StoredSharedEntry> sharedEntries) {
        public static final Recovered EMPTY = new Recovered(List.of(), List.of());
    }

    /** One stored session with its subscriptions, queue (in sequence order) and inbound QoS 2 ids. */
    record StoredSession(SessionRecord record, List<StoredSubscription> subscriptions, List<StoredEntry> entries,
                         int[] inboundQos2) {
    }

    /** A subscription as stored: the filter as the client sent it and its options. */
    record StoredSubscription(String filter, int qos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                              int subscriptionId) {
    }

    /**
     * A queue entry as stored. The recovered message carries one reference owned by the entry;
     * {@code handle} is what {@link #dequeue} needs.
     */
    record StoredEntry(long seq, Message message, int qos, boolean retainFlag, int[] subscriptionIds, Progress progress,
                       Object handle) {
    }

    /** How far the delivery of a stored entry got before the restart. */
    enum Progress {
        /** never sent: sent without DUP, dropped when it has expired */
        QUEUED,
        /** sent at least once: resent with DUP */
        SENT,
        /** QoS 2, PUBREC received: PUBREL is resent, not the PUBLISH */
        RELEASED
    }

    /** A shared-group entry as stored, with its message reference and handle. */
    record StoredSharedEntry(String group, String topicFilter, long seq, Message message, Object handle) {
    }

    @Override
    void close();
}
