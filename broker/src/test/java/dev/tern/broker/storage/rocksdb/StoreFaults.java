package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.Broker;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Faults injected into a broker's RocksDB store at a point the test chooses: a kill -9, a disk low
 * on space, a write held back on one event loop. No sleeps: each is a state change or a latch.
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

    /** Holds the next batch that stores a shared group's message in its write, until released. */
    public static Hold holdSharedEnqueue(Broker broker) {
        return hold(broker, WriteHold.Kind.SHARED_ENQUEUE);
    }

    /** Holds the next batch that stores or updates a session record in its write, until released. */
    public static Hold holdSessionRecord(Broker broker) {
        return hold(broker, WriteHold.Kind.SESSION_RECORD);
    }

    private static Hold hold(Broker broker, WriteHold.Kind kind) {
        WriteHold h = new WriteHold(kind);
        rocks(broker).hold(h);
        return new Hold(h);
    }

    /** A write held back; {@link #thread()} is the thread blocked in it once {@link #awaitHeld()} returned. */
    public static final class Hold {
        private final WriteHold hold;

        private Hold(WriteHold hold) {
            this.hold = hold;
        }

        /** Waits until a write is held. */
        public void awaitHeld() throws InterruptedException {
            if (!hold.entered.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("no write of kind " + hold.kind + " was held within 10 s");
            }
        }

        public Thread thread() {
            return hold.thread();
        }

        public void release() {
            hold.release();
        }
    }
}
