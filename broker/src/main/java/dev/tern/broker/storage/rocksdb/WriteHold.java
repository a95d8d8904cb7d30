package dev.tern.broker.storage.rocksdb;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Test seam: the next batch that stages an operation of one kind waits in its write until
 * released, so a test can make another event loop's write land first.
 */
final class WriteHold {
    private static final Logger LOG = LoggerFactory.getLogger(WriteHold.class);

    enum Kind { SHARED_ENQUEUE, SESSION_RECORD }

    final Kind kind;
    private final AtomicBoolean claimed = new AtomicBoolean();
    final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Thread thread;

    WriteHold(Kind kind) {
        this.kind = kind;
    }

    /** True once, for the batch that is held. */
    boolean claim() {
        return claimed.compareAndSet(false, true);
    }

    /** The thread blocked in the held write (once {@link #entered} is open). */
    Thread thread() {
        return thread;
    }

    /** Called by the held write: waits until released (at most 30 s, so a failed test does not hang the build). */
    void pass() {
        thread = Thread.currentThread();
        entered.countDown();
        try {
            if (!released.await(30, TimeUnit.SECONDS)) {
                LOG.error("a held test write was never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void release() {
        released.countDown();
    }
}
