package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.StorageConfig.Durability;
import dev.tern.broker.storage.StorageException;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Env;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileManager;
import org.rocksdb.WALRecoveryMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opening a {@link RocksStore}: the options, the write-ahead log recovery (strict, and past a torn
 * last record only when {@link WalTail} proves that is all there is), and errors that say what to
 * do. Nothing of a failed open stays open.
 */
final class StoreOpening {
    private static final Logger LOG = LoggerFactory.getLogger(StoreOpening.class);

    private StoreOpening() {
    }

    static RocksStore open(Path dir, Durability durability, RocksStore.Mode mode) {
        RocksDB.loadLibrary();
        if (mode != RocksStore.Mode.CHECK) {
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
                .setCreateIfMissing(mode != RocksStore.Mode.CHECK)
                .setCreateMissingColumnFamilies(mode != RocksStore.Mode.CHECK)
                .setParanoidChecks(mode == RocksStore.Mode.SERVE || mode == RocksStore.Mode.CHECK)
                .setBestEffortsRecovery(mode == RocksStore.Mode.REPAIR_BEST_EFFORTS)
                .setMaxBackgroundJobs(2)
                .setKeepLogFileNum(3);
            if (mode != RocksStore.Mode.CHECK) {
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
            for (String f : RocksStore.FAMILIES) {
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
    private static RocksDB openDb(Path dir, RocksStore.Mode mode, DBOptions options, List<ColumnFamilyDescriptor> descriptors,
                                  List<ColumnFamilyHandle> handles) throws RocksDBException {
        try {
            return openDb(dir, mode, options, descriptors, handles, walRecoveryMode(mode));
        } catch (RocksDBException e) {
            if (!(mode == RocksStore.Mode.SERVE || mode == RocksStore.Mode.CHECK) || e.getStatus() == null
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

    private static RocksDB openDb(Path dir, RocksStore.Mode mode, DBOptions options, List<ColumnFamilyDescriptor> descriptors,
                                  List<ColumnFamilyHandle> handles, WALRecoveryMode recovery) throws RocksDBException {
        options.setWalRecoveryMode(recovery);
        return mode == RocksStore.Mode.CHECK ? RocksDB.openReadOnly(options, dir.toString(), descriptors, handles)
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

    private static WALRecoveryMode walRecoveryMode(RocksStore.Mode mode) {
        return switch (mode) {
            case SERVE, CHECK -> WALRecoveryMode.AbsoluteConsistency;
            case REPAIR_SKIP_CORRUPT_LOG, REPAIR_BEST_EFFORTS -> WALRecoveryMode.SkipAnyCorruptedRecords;
        };
    }

    static void closeAll(AutoCloseable... resources) {
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
}
