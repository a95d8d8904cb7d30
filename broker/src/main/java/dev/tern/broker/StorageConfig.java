package dev.tern.broker;

/**
 * Where and how durably the broker keeps its state.
 *
 * @param type       {@code rocksdb} (default for {@code tern broker}): sessions, queued and in-flight
 *                   messages, retained messages on disk under the data directory; {@code memory}: nothing
 *                   survives a restart
 * @param durability when a QoS 1/2 PUBLISH is acknowledged: {@code process} (default) once its state is
 *                   in RocksDB's write-ahead log (survives kill -9); {@code fsync} once that log is
 *                   fsynced, with group commit (survives power loss)
 * @param minFreeDiskMb below this much free space on the data directory's disk, writes are refused
 *                   before they are tried (default 64; 0 turns the guard off)
 */
public record StorageConfig(Type type, Durability durability, long minFreeDiskMb) {

    /** Storage back ends. */
    public enum Type { MEMORY, ROCKSDB }

    /** Durability levels. */
    public enum Durability { PROCESS, FSYNC }

    public StorageConfig {
        if (type == null) {
            type = Type.ROCKSDB;
        }
        if (durability == null) {
            durability = Durability.PROCESS;
        }
        if (minFreeDiskMb < 0) {
            throw new IllegalArgumentException("storage.minFreeDiskMb = " + minFreeDiskMb + " is not allowed: use 0 or more");
        }
    }

    public StorageConfig(Type type, Durability durability) {
        this(type, durability, DEFAULT_MIN_FREE_DISK_MB);
    }

    /** The default free-space guard, in MiB. */
    public static final long DEFAULT_MIN_FREE_DISK_MB = 64;

    public static StorageConfig memory() {
        return new StorageConfig(Type.MEMORY, Durability.PROCESS);
    }

    public static StorageConfig rocksdb(Durability durability) {
        return new StorageConfig(Type.ROCKSDB, durability);
    }
}
