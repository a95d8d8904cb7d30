package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.Broker;

import java.util.Map;

/**
 * Faults injected into a broker's RocksDB store at a point the test chooses: a kill -9, a disk low
 * on space. No sleeps: each is a state change.
 */
public final class StoreFaults {
    private StoreFaults() {
    }

    private static RocksStore rocks(Broker broker) {
        if (!(broker.store() instanceof RocksStore r)) {
            throw new IllegalArgumentException("the broker does not use RocksDB");
        }
        return r;
    }

    /**
     * The process dies here, as with kill -9: nothing is written any more and nothing waiting for a
     * write is acknowledged. Then {@code broker.close()} and a new broker on the same directory see
     * what a SIGKILL at this point would have left on disk.
     */
    public static void crash(Broker broker) {
        rocks(broker).simulateCrash();
    }

    /** The free-space guard reports low space (or not); the broker must run with minFreeDiskMb 0. */
    public static void lowSpace(Broker broker, boolean low) {
        rocks(broker).simulateLowSpace(low);
    }

    /** Counts of the records in each column family. */
    public static Map<String, Long> counts(Broker broker) {
        return rocks(broker).counts();
    }
}
