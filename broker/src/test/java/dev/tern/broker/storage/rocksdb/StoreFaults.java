package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.Broker;

import java.util.Map;

/**
 * Faults injected into a broker's RocksDB store at a point the test chooses. No sleeps: each is a
 * state change.
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

    /** Counts of the records in each column family. */
    public static Map<String, Long> counts(Broker broker) {
        return rocks(broker).counts();
    }
}
