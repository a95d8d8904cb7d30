package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.StorageConfig.Durability;
import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Subscription;
import dev.tern.broker.session.SessionStore;
import dev.tern.broker.storage.StorageException;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.SstFileManager;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Session state, queues and retained messages in RocksDB, one column family per kind of state.
 *
 * <p>Writes are staged per thread into a {@link BatchBuilder} and written once per event-loop turn
 * (group commit): with durability {@code process} on the loop itself, into the write-ahead log
 * without fsync (survives kill -9); with {@code fsync} by one writer thread that writes every
 * waiting batch and then fsyncs the log once (survives power loss). Actions waiting for
 * durability run afterwards, in order, on the loop that staged them.
 *
 * <p>While the disk is low on space, additions are refused when they are staged (never a whole
 * batch after the fact), so acknowledgements, released marks and deletes are always written: they
 * free space, and dropping them would bring stale state back after a restart. Whether a batch
 * refuses additions is decided once, when the batch opens.
 *
 * <p>A message fanned out to several sessions is stored once; each queue entry references it and
 * the last entry to go deletes it. A message stored again after its last reference went gets a new
 * id, so a delete and a put of one key never race between threads.
 */
public final class RocksStore implements SessionStore {
    private static final Logger LOG = LoggerFactory.getLogger(RocksStore.class);
    /**
     * The store format this code writes. Version 2 added the "sent" mark in the {@code released}
     * family (value {@link #SENT}); a version 1 store is read as is and marked version 2.
     */
    public static final int FORMAT_VERSION = 2;
    private static final int OLDEST_READABLE_FORMAT = 1;
    private static final byte[] FORMAT_KEY = "tern.format".getBytes(StandardCharsets.UTF_8);
    static final String[] FAMILIES = {"sessions", "subscriptions", "messages", "queues", "released", "inbound",
        "retained", "shared"};
    /** Value in {@code released}: PUBREC received, PUBREL owed (format 1's only mark). */
    static final byte[] RELEASED = new byte[0];
    /** Value in {@code released}: the PUBLISH was sent at least once. */
    static final byte[] SENT = {1};
    private static final long FAILURE_LOG_INTERVAL_NANOS = 10_000_000_000L;

    /** How the store is opened. */
    enum Mode {
        /** the broker: read and write, damage stops the open */
        SERVE,
        /** {@code tern storage check}: read only, nothing is written, damage is reported */
        CHECK,
        /** {@code tern storage repair}, first try: skips damaged log records */
        REPAIR_SKIP_CORRUPT_LOG,
        /** {@code tern storage repair}, second try: the newest consistent state RocksDB can find */
        REPAIR_BEST_EFFORTS
    }

    private final Path dir;
    private final Durability durability;
    private final Mode mode;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final SstFileManager sstFileManager;
    private final List<ColumnFamilyHandle> handles;
    final ColumnFamilyHandle sessions;
    final ColumnFamilyHandle subscriptions;
    final ColumnFamilyHandle messages;
    final ColumnFamilyHandle queues;
    final ColumnFamilyHandle released;
    final ColumnFamilyHandle inbound;
    final ColumnFamilyHandle retained;
    final ColumnFamilyHandle shared;
    private final int sessionsId;
    private final int subscriptionsId;
    private final int messagesId;
    private final int queuesId;
    private final int releasedId;
    private final int inboundId;
    private final int sharedId;
    private final WriteOptions noSync = new WriteOptions().setSync(false);
    private final WriteOptions sync = new WriteOptions().setSync(true);
    private final AtomicLong nextMessageId = new AtomicLong(1);
    private final SyncWriter syncWriter;
    private final FastThreadLocal<ThreadState> threads = new FastThreadLocal<>() {
        @Override
        protected ThreadState initialValue() {
            return new ThreadState(ThreadExecutorMap.currentExecutor());
        }
    };
    private final LongAdder refusedAdditions = new LongAdder();
    private final LongAdder failedWrites = new LongAdder();
    private final LongAdder failedRemovals = new LongAdder();
    private final AtomicLong lastFailureLogNanos = new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);
    private volatile boolean failing;
    private volatile boolean lowSpace;
    private volatile boolean closed;
    /** Test seam: the process is as good as killed (see {@link #simulateCrash()}). */
    private volatile boolean crashed;
    private volatile WriteHold hold;
    private volatile int formatVersion = FORMAT_VERSION;
    private volatile StoreRecovery.Cleanup lastCleanup = StoreRecovery.Cleanup.NONE;
    private java.util.concurrent.ScheduledExecutorService spaceGuard;

    /** A stored message generation: its key and how many entries still reference it. */
    static final class StoredRef {
        final long id;
        final AtomicInteger refs = new AtomicInteger(1);

        StoredRef(long id) {
            this.id = id;
        }

        boolean retain() {
            int r;
            do {
                r = refs.get();
                if (r <= 0) {
                    return false;
                }
            } while (!refs.compareAndSet(r, r + 1));
            return true;
        }
    }

    RocksStore(Path dir, Durability durability, Mode mode, RocksDB db, DBOptions dbOptions,
                       ColumnFamilyOptions cfOptions, SstFileManager sstFileManager, List<ColumnFamilyHandle> handles) {
        this.dir = dir;
        this.durability = durability;
        this.mode = mode;
        this.db = db;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.sstFileManager = sstFileManager;
        this.handles = handles;
        this.sessions = handles.get(1);
        this.subscriptions = handles.get(2);
        this.messages = handles.get(3);
        this.queues = handles.get(4);
        this.released = handles.get(5);
        this.inbound = handles.get(6);
        this.retained = handles.get(7);
        this.shared = handles.get(8);
        this.sessionsId = sessions.getID();
        this.subscriptionsId = subscriptions.getID();
        this.messagesId = messages.getID();
        this.queuesId = queues.getID();
        this.releasedId = released.getID();
        this.inboundId = inbound.getID();
        this.sharedId = shared.getID();
        this.syncWriter = durability == Durability.FSYNC && mode != Mode.CHECK ? new SyncWriter(this) : null;
    }

    /**
     * Opens (or creates) the store under {@code dir}.
     *
     * @throws StorageException with what is wrong and what to do, when it cannot be opened
     */
    public static RocksStore open(Path dir, Durability durability) {
        return open(dir, durability, Mode.SERVE);
    }

    /**
     * Checks the free space of the data directory's disk every half second; below
     * {@code minFreeBytes} additions are refused before they are staged, so RocksDB never meets a
     * full disk (a write-ahead log write that fails on a full disk leaves RocksDB refusing writes
     * until it is reopened). Removals are still written: the guard's margin holds them.
     */
    public RocksStore guardFreeSpace(long minFreeBytes) {
        if (minFreeBytes <= 0) {
            return this;
        }
        java.nio.file.FileStore fs;
        try {
            fs = Files.getFileStore(dir);
        } catch (java.io.IOException e) {
            LOG.warn("cannot watch the free space of {}: {}", dir, e.getMessage());
            return this;
        }
        spaceGuard = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tern-store-space");
            t.setDaemon(true);
            return t;
        });
        spaceGuard.scheduleWithFixedDelay(() -> {
            try {
                boolean low = fs.getUsableSpace() < minFreeBytes;
                if (low != lowSpace) {
                    lowSpace = low;
                    if (low) {
                        LOG.error("less than {} MiB free for the store in {}: publishes, sessions and subscriptions"
                            + " that need storage are refused until space returns", minFreeBytes >> 20, dir);
                    } else {
                        LOG.warn("space returned for the store in {}: accepting writes again", dir);
                    }
                }
            } catch (java.io.IOException e) {
                LOG.debug("free space check failed: {}", e.getMessage());
            }
        }, 0, 500, java.util.concurrent.TimeUnit.MILLISECONDS);
        return this;
    }

    static RocksStore open(Path dir, Durability durability, Mode mode) {
        return StoreOpening.open(dir, durability, mode);
    }

    static StorageException damaged(Path dir, String what, Throwable cause) {
        return StoreOpening.damaged(dir, what, cause);
    }

    void checkFormat(boolean existed) {
        try {
            byte[] v = db.get(FORMAT_KEY);
            if (v == null) {
                if (existed && hasAnyData()) {
                    throw damaged(dir, "it has data but no format version (not a Tern store, or damaged)", null);
                }
                if (mode != Mode.CHECK) {
                    db.put(sync, FORMAT_KEY, formatBytes(FORMAT_VERSION));
                }
                return;
            }
            if (v.length != 4) {
                throw damaged(dir, "its format version record has " + v.length + " bytes instead of 4", null);
            }
            int version = ByteBuffer.wrap(v).getInt();
            if (version < OLDEST_READABLE_FORMAT || version > FORMAT_VERSION) {
                throw new StorageException("the store in " + dir + " has format version " + version + "; this Tern reads"
                    + " versions " + OLDEST_READABLE_FORMAT + " to " + FORMAT_VERSION + ". Use the Tern version that"
                    + " wrote it, or move the directory aside.");
            }
            formatVersion = version;
            if (version < FORMAT_VERSION && mode != Mode.CHECK) {
                // version 1 -> 2 needs no rewrite: its released marks read as they always did
                db.put(sync, FORMAT_KEY, formatBytes(FORMAT_VERSION));
                formatVersion = FORMAT_VERSION;
                LOG.info("the store in {} was format version {}; it is marked version {} now", dir, version,
                    FORMAT_VERSION);
            }
        } catch (RocksDBException e) {
            throw damaged(dir, e.getMessage(), e);
        }
    }

    private static byte[] formatBytes(int version) {
        return ByteBuffer.allocate(4).putInt(version).array();
    }

    private boolean hasAnyData() {
        for (int i = 1; i < handles.size(); i++) {
            try (RocksIterator it = db.newIterator(handles.get(i))) {
                it.seekToFirst();
                if (it.isValid()) {
                    return true;
                }
            }
        }
        return false;
    }

    public Path directory() {
        return dir;
    }

    public Durability durability() {
        return durability;
    }

    /** The format version of the store as it was found (before any migration the open did). */
    public int formatVersion() {
        return formatVersion;
    }

    // --- staging and commit ---------------------------------------------------------------------

    /** One thread's staged writes and the actions waiting for them. */
    static final class Group {
        final BatchBuilder batch = new BatchBuilder();
        final List<DurableAction> actions = new ArrayList<>(4);
        /** Decided once, when the batch opens, so one turn's additions are all refused or none. */
        final boolean refusesAdditions;
        /** What needs durability: the batch's operations, and retained writes done at once. */
        int ops;
        /** Deletes and marks in the batch, for the log when a write fails. */
        int removals;
        /** Test seam: a {@link WriteHold} stops this batch's write. */
        boolean held;

        Group(boolean refusesAdditions) {
            this.refusesAdditions = refusesAdditions;
        }
    }

    /** Per-thread commit state; touched only by its own thread (and the writer's completion, run there). */
    final class ThreadState {
        final EventExecutor loop;
        Group open;
        int inFlight;
        boolean commitScheduled;
        /** Additions refused on this thread so far: {@link #mark()}. */
        long refusals;
        final Runnable commitTask = () -> commit(this);

        ThreadState(EventExecutor loop) {
            this.loop = loop;
        }

        Group group() {
            if (open == null) {
                open = new Group(lowSpace);
            }
            return open;
        }
    }

    /**
     * The batch this thread stages a removal or mark into (null once the store is closed). The
     * caller adds its operations, then calls {@link #staged()}.
     */
    private Group stage() {
        if (closed || crashed) {
            return null;
        }
        Group g = threads.get().group();
        g.ops++;
        return g;
    }

    /** As {@link #stage()} for an addition: null when this batch refuses additions (counted for the caller's mark). */
    private Group stageAddition() {
        if (closed || crashed) {
            return null;
        }
        ThreadState t = threads.get();
        Group g = t.group();
        if (g.refusesAdditions) {
            t.refusals++;
            refusedAdditions.increment();
            scheduleCommit(t); // the refusing batch ends with this turn, so the next one looks at the space again
            return null;
        }
        g.ops++;
        return g;
    }

    /** Schedules the commit at the end of this event-loop turn, or commits at once off an event loop. */
    private void staged() {
        scheduleCommit(threads.get());
    }

    private void scheduleCommit(ThreadState t) {
        if (t.commitScheduled) {
            return;
        }
        if (t.loop != null && t.loop.inEventLoop() && !t.loop.isShuttingDown()) {
            t.commitScheduled = true;
            try {
                t.loop.execute(t.commitTask);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                t.commitScheduled = false;
                commit(t); // the loop is stopping (broker shutdown): write now
            }
        } else {
            commit(t); // not on an event loop (start-up, tests): write at once
        }
    }

    @Override
    public boolean isDurable() {
        return true;
    }

    @Override
    public void afterDurable(DurableAction action) {
        afterDurable(threads.get(), false, action);
    }

    @Override
    public void afterDurable(long since, DurableAction action) {
        ThreadState t = threads.get();
        afterDurable(t, t.refusals != since, action);
    }

    private void afterDurable(ThreadState t, boolean refused, DurableAction action) {
        if (crashed) {
            return; // a killed process acknowledges nothing more
        }
        DurableAction a = refused ? ok -> action.run(false) : action;
        if ((t.open == null || (t.open.ops == 0 && t.open.actions.isEmpty())) && t.inFlight == 0) {
            a.run(true);
            return;
        }
        t.group().actions.add(a);
        scheduleCommit(t);
    }

    @Override
    public long mark() {
        return threads.get().refusals;
    }

    @Override
    public boolean acceptsAdditions() {
        if (closed || crashed) {
            return false;
        }
        ThreadState t = threads.get();
        boolean opened = t.open == null;
        Group g = t.group();
        if (opened) {
            scheduleCommit(t); // the batch this decision belongs to ends with this turn
        }
        return !g.refusesAdditions;
    }

    @Override
    public void flushStaged() {
        ThreadState t = threads.get();
        if (t.open != null) {
            commit(t);
        }
    }

    private void commit(ThreadState t) {
        t.commitScheduled = false;
        Group g = t.open;
        t.open = null;
        if (g == null || crashed || (g.ops == 0 && g.actions.isEmpty())) {
            return;
        }
        if (syncWriter != null && t.loop != null) {
            t.inFlight++;
            syncWriter.submit(g, t);
            return;
        }
        boolean ok = write(g, syncWriter != null ? sync : noSync);
        if (!crashed) {
            runActions(g, ok);
        }
    }

    /** Writes one group's batch; false (and the failure counted and logged) when the write fails. */
    boolean write(Group g, WriteOptions options) {
        if (g.held) {
            WriteHold h = hold;
            if (h != null) {
                h.pass();
            }
        }
        if (crashed) {
            return false;
        }
        if (g.batch.count() == 0) {
            return true; // nothing to write (or only what a retained write did at once)
        }
        try (WriteBatch batch = new WriteBatch(g.batch.toBytes())) {
            db.write(options, batch);
            if (failing) {
                failing = false;
                LOG.warn("the store in {} accepts writes again", dir);
            }
            return true;
        } catch (RocksDBException e) {
            writeFailed(g.removals, e);
            return false;
        }
    }

    /**
     * A write RocksDB refused: never silent. Removals that did not land come back after a restart
     * (an acknowledged delivery is resent, an unsubscribed filter or ended session returns), so the
     * count is a metric and the log says it, at most every 10 s.
     */
    private void writeFailed(int removals, RocksDBException e) {
        failedWrites.increment();
        failedRemovals.add(removals);
        boolean first = !failing;
        failing = true;
        long now = System.nanoTime();
        long last = lastFailureLogNanos.get();
        if (first || (now - last >= FAILURE_LOG_INTERVAL_NANOS && lastFailureLogNanos.compareAndSet(last, now))) {
            lastFailureLogNanos.set(now);
            LOG.error("the store in {} cannot write ({}): {} batch(es) with {} removal(s) not written so far (metrics"
                + " tern.store.write.failures, tern.store.removals.failed). Publishes, sessions and subscriptions that"
                + " need storage are refused; acknowledgements, unsubscribes and ended sessions that were not written"
                + " come back after a restart. If the disk filled up, free space and restart the broker", dir,
                e.getMessage(), failedWrites.sum(), failedRemovals.sum());
        }
    }

    void syncLog() throws RocksDBException {
        db.syncWal();
    }

    void completed(Group g, ThreadState t, boolean ok) {
        if (crashed) {
            return;
        }
        Runnable done = () -> {
            t.inFlight--;
            runActions(g, ok);
        };
        try {
            t.loop.execute(done);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.run(); // the loop has stopped (shutdown): nothing else runs on its state any more
        }
    }

    private static void runActions(Group g, boolean ok) {
        for (DurableAction a : g.actions) {
            try {
                a.run(ok);
            } catch (RuntimeException e) {
                LOG.error("action after a store write failed", e);
            }
        }
    }

    /** True while writes fail or additions are refused for lack of disk space. */
    public boolean isFailing() {
        return failing || lowSpace;
    }

    /** Additions refused for lack of disk space, since the start. */
    public long refusedAdditions() {
        return refusedAdditions.sum();
    }

    /** Batches RocksDB failed to write, since the start. */
    public long failedWrites() {
        return failedWrites.sum();
    }

    /** Deletes and marks in batches RocksDB failed to write, since the start. */
    public long failedRemovals() {
        return failedRemovals.sum();
    }

    // --- sessions and subscriptions -------------------------------------------------------------

    @Override
    public boolean saveSession(SessionRecord record) {
        Group g = stageAddition();
        if (g == null) {
            return false;
        }
        g.batch.put(sessionsId, Codec.utf8(record.clientId()), Codec.session(record));
        markHeld(g, WriteHold.Kind.SESSION_RECORD);
        staged();
        return true;
    }

    @Override
    public void updateSession(SessionRecord record) {
        Group g = stage();
        if (g != null) {
            g.batch.put(sessionsId, Codec.utf8(record.clientId()), Codec.session(record));
            g.removals++;
            markHeld(g, WriteHold.Kind.SESSION_RECORD);
            staged();
        }
    }

    @Override
    public void deleteSession(String clientId) {
        byte[] start = Codec.prefixStart(clientId);
        byte[] end = Codec.prefixEnd(clientId);
        Group g = stage();
        if (g != null) {
            BatchBuilder b = g.batch;
            b.delete(sessionsId, Codec.utf8(clientId));
            b.deleteRange(subscriptionsId, start, end);
            b.deleteRange(queuesId, start, end);
            b.deleteRange(releasedId, start, end);
            b.deleteRange(inboundId, start, end);
            g.removals += 5;
            staged();
        }
    }

    @Override
    public void saveSubscription(String clientId, Subscription s) {
        Group g = stageAddition();
        if (g != null) {
            g.batch.put(subscriptionsId, Codec.key(clientId, Codec.utf8(s.filter())),
                Codec.subscription(s.qos(), s.noLocal(), s.retainAsPublished(), s.retainHandling(), s.subscriptionId()));
            staged();
        }
    }

    @Override
    public void deleteSubscription(String clientId, String filter) {
        Group g = stage();
        if (g != null) {
            g.batch.delete(subscriptionsId, Codec.key(clientId, Codec.utf8(filter)));
            g.removals++;
            staged();
        }
    }

    // --- queues ---------------------------------------------------------------------------------

    /** Stores the message in {@code g} if this is a new generation, and returns the generation the entry references. */
    private StoredRef reference(Message m, Group g) {
        while (true) {
            Object current = m.storeRef();
            if (current instanceof StoredRef r && r.retain()) {
                return r;
            }
            StoredRef fresh = new StoredRef(nextMessageId.getAndIncrement());
            if (m.casStoreRef(current, fresh)) {
                g.batch.put(messagesId, Codec.longBytes(fresh.id), Codec.message(m));
                g.ops++;
                return fresh;
            }
        }
    }

    private void unreference(Object handle) {
        if (handle instanceof StoredRef r && r.refs.decrementAndGet() == 0) {
            Group g = stage();
            if (g != null) {
                g.batch.delete(messagesId, Codec.longBytes(r.id));
                g.removals++;
                staged();
            }
        }
    }

    @Override
    public Object enqueue(String clientId, long seq, Message message, int qos, boolean retainFlag, int[] ids) {
        Group g = stageAddition();
        if (g == null) {
            return null;
        }
        StoredRef ref = reference(message, g);
        g.batch.put(queuesId, Codec.key(clientId, Codec.longBytes(seq)), Codec.entry(ref.id, qos, retainFlag, ids));
        staged();
        return ref;
    }

    @Override
    public void markSent(String clientId, long seq) {
        Group g = stage();
        if (g != null) {
            g.batch.put(releasedId, Codec.key(clientId, Codec.longBytes(seq)), SENT);
            g.removals++;
            staged();
        }
    }

    @Override
    public void markReleased(String clientId, long seq) {
        Group g = stage();
        if (g != null) {
            g.batch.put(releasedId, Codec.key(clientId, Codec.longBytes(seq)), RELEASED);
            g.removals++;
            staged();
        }
    }

    @Override
    public void dequeue(String clientId, long seq, Object handle) {
        byte[] key = Codec.key(clientId, Codec.longBytes(seq));
        Group g = stage();
        if (g != null) {
            g.batch.delete(queuesId, key);
            g.batch.delete(releasedId, key);
            g.removals += 2;
            staged();
        }
        unreference(handle);
    }

    @Override
    public void addInboundQos2(String clientId, int packetId) {
        Group g = stageAddition();
        if (g != null) {
            g.batch.put(inboundId, Codec.key(clientId, Codec.shortBytes(packetId)), new byte[0]);
            staged();
        }
    }

    @Override
    public void removeInboundQos2(String clientId, int packetId) {
        Group g = stage();
        if (g != null) {
            g.batch.delete(inboundId, Codec.key(clientId, Codec.shortBytes(packetId)));
            g.removals++;
            staged();
        }
    }

    static byte[] sharedKey(String group, String topicFilter, long seq) {
        return Codec.key(group, Codec.key(topicFilter, Codec.longBytes(seq)));
    }

    @Override
    public Object enqueueShared(String group, String topicFilter, long seq, Message message) {
        Group g = stageAddition();
        if (g == null) {
            return null;
        }
        StoredRef ref = reference(message, g);
        g.batch.put(sharedId, sharedKey(group, topicFilter, seq), Codec.longBytes(ref.id));
        markHeld(g, WriteHold.Kind.SHARED_ENQUEUE);
        staged();
        return ref;
    }

    @Override
    public void dequeueShared(String group, String topicFilter, long seq, Object handle) {
        Group g = stage();
        if (g != null) {
            g.batch.delete(sharedId, sharedKey(group, topicFilter, seq));
            g.removals++;
            staged();
        }
        unreference(handle);
    }

    // --- retained -------------------------------------------------------------------------------

    /**
     * Writes a retained message now ({@code value} null: deletes the topic's), outside the turn's
     * batch: the caller ({@link RocksRetainedStore}) holds its index lock around this call and its
     * index update, so the index changes in the order the disk does, and only after the log write.
     * The thread's next acknowledgement waits for it too (with {@code fsync}, for an fsync that
     * covers it). A refused or failed write counts for the thread's {@link #mark()}, so the
     * publisher is refused.
     *
     * @return false when refused (an addition while space is low) or failed
     */
    boolean writeRetained(byte[] key, byte[] value) {
        ThreadState t = threads.get();
        Group g = value != null ? stageAddition() : stage();
        if (g == null) {
            return false;
        }
        if (crashed) {
            return false;
        }
        try (WriteBatch b = new WriteBatch()) {
            if (value != null) {
                b.put(retained, key, value);
            } else {
                b.delete(retained, key);
            }
            db.write(noSync, b);
        } catch (RocksDBException e) {
            writeFailed(value == null ? 1 : 0, e);
            t.refusals++;
            return false;
        } finally {
            staged(); // g.ops counts this write: the next afterDurable waits for the commit (fsync) after it
        }
        return true;
    }

    /** Every stored retained message (each carries one reference for the caller). */
    List<Message> loadRetained() {
        List<Message> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator(retained)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                out.add(Codec.message(it.value()));
            }
            check(it);
        } catch (StorageException e) {
            out.forEach(Message::release);
            throw e;
        } catch (RuntimeException e) {
            out.forEach(Message::release);
            throw damaged(dir, "a retained message cannot be read (" + e + ")", e);
        }
        return out;
    }

    // --- recovery -------------------------------------------------------------------------------

    @Override
    public Recovered recover() {
        try {
            StoreRecovery.Result r = new StoreRecovery(this).run();
            lastCleanup = r.cleanup();
            return r.recovered();
        } catch (StorageException e) {
            throw e;
        } catch (RuntimeException e) {
            // whatever a decoder throws (a corrupt record, a buffer underflow, a protocol violation in
            // stored properties) is damage, reported with what to do
            throw damaged(dir, "a record cannot be read (" + e + ")", e);
        }
    }

    /** What the last {@link #recover()} dropped (or, read-only, would drop at the next start). */
    StoreRecovery.Cleanup lastCleanup() {
        return lastCleanup;
    }

    boolean isReadOnly() {
        return mode == Mode.CHECK;
    }

    /** Recovery sets the next message id above every id stored or referenced anywhere. */
    void nextMessageIdAbove(long maxId) {
        nextMessageId.set(maxId + 1);
    }

    static void check(RocksIterator it) {
        try {
            it.status();
        } catch (RocksDBException e) {
            throw new Codec.CorruptRecordException("iteration failed: " + e.getMessage());
        }
    }

    RocksDB db() {
        return db;
    }

    ColumnFamilyHandle family(int index) {
        return handles.get(index + 1);
    }

    Path dir() {
        return dir;
    }

    /** Deletes every record that cannot be decoded (used by repair); returns how many. */
    long dropUnreadable() {
        long dropped = 0;
        for (int i = 0; i < FAMILIES.length; i++) {
            ColumnFamilyHandle h = family(i);
            try (RocksIterator it = db.newIterator(h)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    if (!StoreRecovery.readable(FAMILIES[i], it.key(), it.value())) {
                        try {
                            db.delete(h, it.key());
                        } catch (RocksDBException e) {
                            throw new StorageException("cannot delete an unreadable record: " + e.getMessage(), e);
                        }
                        dropped++;
                    }
                }
            }
        }
        return dropped;
    }

    /** Counts of what is stored, for {@code tern storage check} and tests. */
    public Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < FAMILIES.length; i++) {
            long n = 0;
            try (RocksIterator it = db.newIterator(family(i))) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    n++;
                }
                check(it);
            }
            out.put(FAMILIES[i], n);
        }
        return out;
    }

    // --- test seams -----------------------------------------------------------------------------

    /**
     * Test seam for "kill -9 at this point": nothing staged from now on is written, no action
     * waiting for durability runs (so nothing more is acknowledged), and {@link #close()} closes
     * without writing. What is on disk is what a SIGKILL now would leave (with durability
     * {@code process} every returned write is in the operating system's page cache).
     */
    void simulateCrash() {
        crashed = true;
        WriteHold h = hold;
        if (h != null) {
            h.release();
        }
    }

    /** Test seam: what the free-space guard reports (use with the guard off, minFreeDiskMb 0). */
    void simulateLowSpace(boolean low) {
        lowSpace = low;
    }

    /** Test seam: the next batch holding an operation of the hold's kind waits in its write until released. */
    void hold(WriteHold h) {
        hold = h;
    }

    private void markHeld(Group g, WriteHold.Kind kind) {
        WriteHold h = hold;
        if (h != null && h.kind == kind && h.claim()) {
            g.held = true;
        }
    }

    // --- close ----------------------------------------------------------------------------------

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (spaceGuard != null) {
            spaceGuard.shutdownNow();
        }
        if (syncWriter != null && !syncWriter.close()) {
            LOG.error("the store writer of {} did not finish; the store is left open rather than closed under it", dir);
            return;
        }
        if (!crashed && mode != Mode.CHECK) {
            try {
                db.flushWal(true);
            } catch (RocksDBException e) {
                LOG.warn("flushing the write-ahead log at close failed: {}", e.getMessage());
            }
        }
        for (ColumnFamilyHandle h : handles) {
            h.close();
        }
        db.close();
        StoreOpening.closeAll(dbOptions, cfOptions, sstFileManager, noSync, sync);
    }
}
