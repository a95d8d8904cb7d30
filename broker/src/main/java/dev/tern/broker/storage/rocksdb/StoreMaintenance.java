package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.StorageConfig.Durability;
import dev.tern.broker.session.SessionStore;
import dev.tern.broker.storage.StorageException;
import org.rocksdb.RocksDBException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What {@code tern storage check} and {@code tern storage repair} do. */
public final class StoreMaintenance {
    private StoreMaintenance() {
    }

    /**
     * Counts per kind of record; how many records a repair dropped (or, for a check, how many left
     * over by a crash the broker drops at its next start); and the store's format version.
     */
    public record Report(Map<String, Long> counts, long dropped, long leftOver, int formatVersion) {
    }

    /**
     * Opens the store read-only (nothing is written, so it is safe on a store another process has
     * open) and reads every record; throws {@link StorageException} when it is not sound.
     */
    public static Report check(Path dir) {
        if (!Files.exists(dir.resolve("CURRENT"))) {
            throw new StorageException("no store in " + dir + " (no CURRENT file)");
        }
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS, RocksStore.Mode.CHECK)) {
            try {
                store.db().verifyChecksum();
            } catch (RocksDBException e) {
                throw RocksStore.damaged(dir, "checksum verification failed: " + e.getMessage(), e);
            }
            SessionStore.Recovered r = store.recover();
            releaseAll(r);
            store.loadRetained().forEach(m -> m.release());
            return new Report(store.counts(), 0, store.lastCleanup().total(), store.formatVersion());
        }
    }

    /**
     * Opens the store past damage (skipping corrupted log records, or recovering to the newest
     * consistent point RocksDB can find), deletes the records that cannot be read, then what no
     * longer fits together (entries whose message is gone, records of sessions that are gone). What
     * a damaged file held is lost; everything readable is kept.
     */
    public static Report repair(Path dir, Durability durability) {
        if (!Files.exists(dir.resolve("CURRENT"))) {
            throw new StorageException("no store in " + dir + " (no CURRENT file): nothing to repair; move the directory"
                + " aside to start empty");
        }
        RocksStore store;
        try {
            store = RocksStore.open(dir, durability, RocksStore.Mode.REPAIR_SKIP_CORRUPT_LOG);
        } catch (StorageException first) {
            store = RocksStore.open(dir, durability, RocksStore.Mode.REPAIR_BEST_EFFORTS);
        }
        try (RocksStore s = store) {
            long dropped = s.dropUnreadable();
            SessionStore.Recovered r = s.recover();
            releaseAll(r);
            return new Report(s.counts(), dropped + s.lastCleanup().total(), 0, s.formatVersion());
        }
    }

    private static void releaseAll(SessionStore.Recovered r) {
        for (SessionStore.StoredSession s : r.sessions()) {
            s.entries().forEach(e -> e.message().release());
        }
        r.sharedEntries().forEach(e -> e.message().release());
    }
}
