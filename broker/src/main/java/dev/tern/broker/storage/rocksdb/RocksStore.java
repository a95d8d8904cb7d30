package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.StorageConfig.Durability;
import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Subscription;
import dev.tern.broker.session.SessionStore;
import dev.tern.broker.storage.StorageException;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Env;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.SstFileManager;
import org.rocksdb.WALRecoveryMode;
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

/**
 * Session state, queues and retained messages in RocksDB, one column family per kind of state.
 *
 * <p>Writes are staged per thread into a {@link WriteBatch} and written once per event-loop turn
 * (group commit): with durability {@code process} on the loop itself, into the write-ahead log
 * without fsync (survives kill -9); with {@code fsync} by one writer thread that writes every
 * waiting batch and then fsyncs the log once (survives power loss). Actions waiting for
 * durability run afterwards, in order, on the loop that staged them.
 *
 * <p>A message fanned out to several sessions is stored once; each queue entry references it and
 * the last entry to go deletes it. A message stored again after its last reference went gets a new
 * id, so a delete and a put of one key never race between threads.
 */
public final class RocksStore implements SessionStore {
    private static final Logger LOG = LoggerFactory.getLogger(RocksStore.class);
    /** The store format this code writes and reads. */
    public static final int FORMAT_VERSION = 1;
    private static final byte[] FORMAT_KEY = "tern.format".getBytes(StandardCharsets.UTF_8);
    static final String[] FAMILIES = {"sessions", "subscriptions", "messages", "queues", "released", "inbound",
        "retained", "shared"};

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
    private final int retainedId;
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
    private volatile boolean failing;
    private volatile boolean lowSpace;
    private volatile boolean closed;
    /** Test seam: the process is as good as killed (see {@link #simulateCrash()}). */
    private volatile boolean crashed;
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

    private RocksStore(Path dir, Durability durability, Mode mode, RocksDB db, DBOptions dbOptions,
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
        this.retainedId = retained.getID();
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
     * {@code minFreeBytes} writes are refused before they are tried, so RocksDB never meets a full
     * disk (a write-ahead log write that fails on a full disk leaves RocksDB refusing writes until
     * it is reopened).
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
                        LOG.error("less than {} MiB free for the store in {}: publishes that need storage are refused"
                            + " until space returns", minFreeBytes >> 20, dir);
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
        RocksDB.loadLibrary();
        if (mode != Mode.CHECK) {
            try {
                Files.createDirectories(dir);
            } catch (Exception e) {
                throw new StorageException("cannot create the data directory " + dir + ": " + e.getMessage(), e);
            }
        }
        boolean existed = Files.exists(dir.resolve("CURRENT"));
        DBOptions options = null;
        ColumnFamilyOptions cf = null;
        SstFileManager sst = null;
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db;
        try {
            options = new DBOptions()
                .setCreateIfMissing(mode != Mode.CHECK)
                .setCreateMissingColumnFamilies(mode != Mode.CHECK)
                .setParanoidChecks(mode == Mode.SERVE || mode == Mode.CHECK)
                .setBestEffortsRecovery(mode == Mode.REPAIR_BEST_EFFORTS)
                .setMaxBackgroundJobs(2)
                .setKeepLogFileNum(3);
            if (mode != Mode.CHECK) {
                try {
                    sst = new SstFileManager(Env.getDefault()); // recovers from "no space" once space returns
                    options.setSstFileManager(sst);
                } catch (RocksDBException e) {
                    LOG.warn("no SstFileManager: disk-full recovery needs a restart ({})", e.getMessage());
                }
            }
            cf = new ColumnFamilyOptions().setCompressionType(CompressionType.LZ4_COMPRESSION);
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf));
            for (String f : FAMILIES) {
                descriptors.add(new ColumnFamilyDescriptor(f.getBytes(StandardCharsets.UTF_8), cf));
            }
            db = openDb(dir, mode, options, descriptors, handles);
        } catch (RocksDBException | RuntimeException e) {
            handles.forEach(ColumnFamilyHandle::close);
            closeAll(options, cf, sst);
            throw e instanceof RocksDBException r ? openFailure(dir, r) : (RuntimeException) e;
        }
        RocksStore store = new RocksStore(dir, durability, mode, db, options, cf, sst, handles);
        try {
            store.checkFormat(existed);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /**
     * What the write-ahead log may hold after a crash, and what the open does with it. A torn
     * record can only be at the end of the newest log, and only belongs to a write that never
     * returned, so it was never acknowledged: kill -9 can tear it (RocksDB writes a large record
     * with several write() calls, and a fatal signal can stop a write() part way), and so can a
     * power loss. Any other damage must stop the start, never be cut off silently.
     *
     * <p>No RocksDB mode does exactly that. {@code AbsoluteConsistency} refuses the torn tail too,
     * so the broker would not start after a kill -9. {@code PointInTimeRecovery} stops at the first
     * bad record anywhere and drops the valid ones after it. {@code TolerateCorruptedTailRecords}
     * also stops silently at a record whose length field is damaged when it lies in a log's last
     * 32 KiB block. So the open is strict, and when it fails {@link WalTail} reads the logs: only when
     * all that is wrong is a record cut short at the end of the newest log, with no valid record after
     * the cut, is the store opened again with {@code TolerateCorruptedTailRecords}, which then drops
     * exactly that record. docs/storage.md explains the choice.
     */
    private static RocksDB openDb(Path dir, Mode mode, DBOptions options, List<ColumnFamilyDescriptor> descriptors,
                                  List<ColumnFamilyHandle> handles) throws RocksDBException {
        try {
            return openDb(dir, mode, options, descriptors, handles, walRecoveryMode(mode));
        } catch (RocksDBException e) {
            if (!(mode == Mode.SERVE || mode == Mode.CHECK) || e.getStatus() == null
                || e.getStatus().getCode() != org.rocksdb.Status.Code.Corruption || !tornTailOnly(dir)) {
                throw e;
            }
            LOG.warn("the write-ahead log in {} ends in a record cut short (the process stopped in the middle of a"
                + " write that was never acknowledged): opening without it", dir);
            handles.forEach(ColumnFamilyHandle::close);
            handles.clear();
            return openDb(dir, mode, options, descriptors, handles, WALRecoveryMode.TolerateCorruptedTailRecords);
        }
    }

    private static RocksDB openDb(Path dir, Mode mode, DBOptions options, List<ColumnFamilyDescriptor> descriptors,
                                  List<ColumnFamilyHandle> handles, WALRecoveryMode recovery) throws RocksDBException {
        options.setWalRecoveryMode(recovery);
        return mode == Mode.CHECK ? RocksDB.openReadOnly(options, dir.toString(), descriptors, handles)
            : RocksDB.open(options, dir.toString(), descriptors, handles);
    }

    private static boolean tornTailOnly(Path dir) {
        try {
            return WalTail.examine(dir) == WalTail.Verdict.TORN_TAIL;
        } catch (java.io.IOException e) {
            LOG.warn("cannot read the write-ahead log in {}: {}", dir, e.getMessage());
            return false;
        }
    }

    private static WALRecoveryMode walRecoveryMode(Mode mode) {
        return switch (mode) {
            case SERVE, CHECK -> WALRecoveryMode.AbsoluteConsistency;
            case REPAIR_SKIP_CORRUPT_LOG, REPAIR_BEST_EFFORTS -> WALRecoveryMode.SkipAnyCorruptedRecords;
        };
    }

    private static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception e) {
                    LOG.debug("closing {} failed: {}", r, e.toString());
                }
            }
        }
    }

    /** A store another process (or another open in this one) holds is in use, not damaged. */
    private static StorageException openFailure(Path dir, RocksDBException e) {
        String what = e.getMessage() == null ? String.valueOf(e.getStatus()) : e.getMessage();
        if (what.contains("/LOCK") || what.contains("lock file") || what.contains("lock hold")) {
            return new StorageException("the store in " + dir + " is in use by another process (a broker running on"
                + " this data directory?): stop that process first, or use another --data-dir (" + what + ")", e);
        }
        return damaged(dir, what, e);
    }

    static StorageException damaged(Path dir, String what, Throwable cause) {
        return new StorageException("the store in " + dir + " cannot be opened: " + what + ". Tern does not start"
            + " with an empty store in its place. Check it with `tern storage check --data-dir " + dir + "`; try"
            + " `tern storage repair --data-dir " + dir + "` (salvages what is readable); or move the directory"
            + " aside to start empty and keep it for inspection.", cause);
    }

    private void checkFormat(boolean existed) {
        try {
            byte[] v = db.get(FORMAT_KEY);
            if (v == null) {
                if (existed && hasAnyData()) {
                    throw damaged(dir, "it has data but no format version (not a Tern store, or damaged)", null);
                }
                if (mode != Mode.CHECK) {
                    db.put(sync, FORMAT_KEY, ByteBuffer.allocate(4).putInt(FORMAT_VERSION).array());
                }
                return;
            }
            int version = ByteBuffer.wrap(v).getInt();
            if (version != FORMAT_VERSION) {
                throw new StorageException("the store in " + dir + " has format version " + version + "; this Tern reads"
                    + " version " + FORMAT_VERSION + ". Use the Tern version that wrote it, or move the directory aside.");
            }
        } catch (RocksDBException e) {
            throw damaged(dir, e.getMessage(), e);
        }
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

    // --- staging and commit ---------------------------------------------------------------------

    /** One thread's staged writes and the actions waiting for them. */
    static final class Group {
        final BatchBuilder batch = new BatchBuilder();
        final List<DurableAction> actions = new ArrayList<>(4);
        int ops;
    }

    /** Per-thread commit state; touched only by its own thread (and the writer's completion, run there). */
    final class ThreadState {
        final EventExecutor loop;
        Group open;
        int inFlight;
        boolean commitScheduled;
        final Runnable commitTask = () -> commit(this);

        ThreadState(EventExecutor loop) {
            this.loop = loop;
        }

        Group group() {
            if (open == null) {
                open = new Group();
            }
            return open;
        }
    }

    /**
     * The batch this thread stages into (null once the store is closed). The caller adds its
     * operations, then calls {@link #staged()}.
     */
    private BatchBuilder staging() {
        if (closed || crashed) {
            return null;
        }
        Group g = threads.get().group();
        g.ops++;
        return g.batch;
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
        if (crashed) {
            return; // a killed process acknowledges nothing more
        }
        ThreadState t = threads.get();
        if ((t.open == null || (t.open.ops == 0 && t.open.actions.isEmpty())) && t.inFlight == 0) {
            action.run(true);
            return;
        }
        t.group().actions.add(action);
        scheduleCommit(t);
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
        if (g == null || crashed) {
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

    /** Writes one group's batch; false (and the store marked failing) when the write fails. */
    boolean write(Group g, WriteOptions options) {
        if (crashed) {
            return false;
        }
        if (g.ops == 0) {
            return true;
        }
        if (lowSpace) {
            return false;
        }
        try (WriteBatch batch = new WriteBatch(g.batch.toBytes())) {
            db.write(options, batch);
            if (failing) {
                failing = false;
                LOG.warn("the store in {} accepts writes again", dir);
            }
            return true;
        } catch (RocksDBException e) {
            if (!failing) {
                LOG.error("the store in {} cannot write ({}): publishes that need storage are refused; if the disk"
                    + " filled up, restart the broker once space is free", dir, e.getMessage());
            }
            failing = true;
            return false;
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

    /** True while writes fail or are refused for lack of disk space; publishes that need storage are refused. */
    public boolean isFailing() {
        return failing || lowSpace;
    }

    // --- sessions and subscriptions -------------------------------------------------------------

    @Override
    public void saveSession(SessionRecord record) {
        byte[] key = Codec.utf8(record.clientId());
        byte[] value = Codec.session(record);
        BatchBuilder b = staging();
        if (b != null) {
            b.put(sessionsId, key, value);
            staged();
        }
    }

    @Override
    public void deleteSession(String clientId) {
        byte[] key = Codec.utf8(clientId);
        byte[] start = Codec.prefixStart(clientId);
        byte[] end = Codec.prefixEnd(clientId);
        BatchBuilder b = staging();
        if (b != null) {
            b.delete(sessionsId, key);
            b.deleteRange(subscriptionsId, start, end);
            b.deleteRange(queuesId, start, end);
            b.deleteRange(releasedId, start, end);
            b.deleteRange(inboundId, start, end);
            staged();
        }
    }

    @Override
    public void saveSubscription(String clientId, Subscription s) {
        byte[] key = Codec.key(clientId, Codec.utf8(s.filter()));
        byte[] value = Codec.subscription(s.qos(), s.noLocal(), s.retainAsPublished(), s.retainHandling(), s.subscriptionId());
        BatchBuilder b = staging();
        if (b != null) {
            b.put(subscriptionsId, key, value);
            staged();
        }
    }

    @Override
    public void deleteSubscription(String clientId, String filter) {
        byte[] key = Codec.key(clientId, Codec.utf8(filter));
        BatchBuilder b = staging();
        if (b != null) {
            b.delete(subscriptionsId, key);
            staged();
        }
    }

    // --- queues ---------------------------------------------------------------------------------

    /** Stores the message if this is a new generation, and returns the generation the entry references. */
    private StoredRef reference(Message m) {
        while (true) {
            Object current = m.storeRef();
            if (current instanceof StoredRef r && r.retain()) {
                return r;
            }
            StoredRef fresh = new StoredRef(nextMessageId.getAndIncrement());
            if (m.casStoreRef(current, fresh)) {
                byte[] key = Codec.longBytes(fresh.id);
                byte[] value = Codec.message(m);
                BatchBuilder b = staging();
                if (b != null) {
                    b.put(messagesId, key, value);
                    staged();
                }
                return fresh;
            }
        }
    }

    private void unreference(Object handle) {
        if (handle instanceof StoredRef r && r.refs.decrementAndGet() == 0) {
            byte[] key = Codec.longBytes(r.id);
            BatchBuilder b = staging();
            if (b != null) {
                b.delete(messagesId, key);
                staged();
            }
        }
    }

    @Override
    public Object enqueue(String clientId, long seq, Message message, int qos, boolean retainFlag, int[] ids) {
        StoredRef ref = reference(message);
        byte[] key = Codec.key(clientId, Codec.longBytes(seq));
        byte[] value = Codec.entry(ref.id, qos, retainFlag, ids);
        BatchBuilder b = staging();
        if (b != null) {
            b.put(queuesId, key, value);
            staged();
        }
        return ref;
    }

    @Override
    public void markReleased(String clientId, long seq) {
        byte[] key = Codec.key(clientId, Codec.longBytes(seq));
        BatchBuilder b = staging();
        if (b != null) {
            b.put(releasedId, key, new byte[0]);
            staged();
        }
    }

    @Override
    public void dequeue(String clientId, long seq, Object handle) {
        byte[] key = Codec.key(clientId, Codec.longBytes(seq));
        BatchBuilder b = staging();
        if (b != null) {
            b.delete(queuesId, key);
            b.delete(releasedId, key);
            staged();
        }
        unreference(handle);
    }

    @Override
    public void addInboundQos2(String clientId, int packetId) {
        byte[] key = Codec.key(clientId, Codec.shortBytes(packetId));
        BatchBuilder b = staging();
        if (b != null) {
            b.put(inboundId, key, new byte[0]);
            staged();
        }
    }

    @Override
    public void removeInboundQos2(String clientId, int packetId) {
        byte[] key = Codec.key(clientId, Codec.shortBytes(packetId));
        BatchBuilder b = staging();
        if (b != null) {
            b.delete(inboundId, key);
            staged();
        }
    }

    private static byte[] sharedKey(String group, String topicFilter, long seq) {
        return Codec.key(group, Codec.key(topicFilter, Codec.longBytes(seq)));
    }

    @Override
    public Object enqueueShared(String group, String topicFilter, long seq, Message message) {
        StoredRef ref = reference(message);
        byte[] key = sharedKey(group, topicFilter, seq);
        byte[] value = Codec.longBytes(ref.id);
        BatchBuilder b = staging();
        if (b != null) {
            b.put(sharedId, key, value);
            staged();
        }
        return ref;
    }

    @Override
    public void dequeueShared(String group, String topicFilter, long seq, Object handle) {
        byte[] key = sharedKey(group, topicFilter, seq);
        BatchBuilder b = staging();
        if (b != null) {
            b.delete(sharedId, key);
            staged();
        }
        unreference(handle);
    }

    // --- retained -------------------------------------------------------------------------------

    void putRetained(Message m) {
        byte[] key = Codec.utf8(m.topic());
        byte[] value = Codec.message(m);
        BatchBuilder b = staging();
        if (b != null) {
            b.put(retainedId, key, value);
            staged();
        }
    }

    void removeRetained(String topic) {
        byte[] key = Codec.utf8(topic);
        BatchBuilder b = staging();
        if (b != null) {
            b.delete(retainedId, key);
            staged();
        }
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
        closeAll(dbOptions, cfOptions, sstFileManager, noSync, sync);
    }
}
