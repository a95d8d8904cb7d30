package dev.tern.broker.storage.rocksdb;

import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit for durability {@code fsync}: one thread takes every batch the event loops handed
 * over since its last round, writes them to the log in arrival order, fsyncs the log once, and
 * tells each loop its batch is durable. Many clients' writes share one fsync; no event loop ever
 * waits for the disk.
 *
 * <p>Every batch handed over is completed exactly once, with success or failure, whatever goes
 * wrong in a round: a loop's count of batches in flight must come back to zero, or its later
 * acknowledgements would wait forever.
 */
final class SyncWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncWriter.class);
    private static final long CLOSE_WARN_MILLIS = 5_000;
    private static final long CLOSE_GIVE_UP_MILLIS = 120_000;

    private record Job(RocksStore.Group group, RocksStore.ThreadState thread) {
    }

    private final RocksStore store;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final WriteOptions noSync = new WriteOptions().setSync(false);
    private volatile boolean running = true;

    SyncWriter(RocksStore store) {
        this.store = store;
        this.thread = new Thread(this, "tern-store-sync");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    void submit(RocksStore.Group group, RocksStore.ThreadState thread) {
        queue.add(new Job(group, thread));
    }

    @Override
    public void run() {
        List<Job> round = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            Job first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.error("store writer interrupted; {} batch(es) fail", queue.size());
                running = false;
                queue.drainTo(round);
                complete(round, new boolean[round.size()]);
                return;
            }
            if (first == null) {
                continue;
            }
            round.add(first);
            queue.drainTo(round);
            complete(round, writeAndSync(round));
            round.clear();
        }
    }

    private boolean[] writeAndSync(List<Job> round) {
        boolean[] ok = new boolean[round.size()];
        try {
            boolean anyWritten = false;
            for (int i = 0; i < round.size(); i++) {
                ok[i] = store.write(round.get(i).group(), noSync);
                anyWritten |= ok[i] && round.get(i).group().ops > 0;
            }
            if (anyWritten) {
                try {
                    store.syncLog();
                } catch (RocksDBException e) {
                    LOG.error("fsync of the write-ahead log failed: {}", e.getMessage());
                    Arrays.fill(ok, false);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("store writer failed; the round's {} batch(es) fail", round.size(), e);
            Arrays.fill(ok, false);
        }
        return ok;
    }

    private void complete(List<Job> round, boolean[] ok) {
        for (int i = 0; i < round.size(); i++) {
            Job j = round.get(i);
            try {
                store.completed(j.group(), j.thread(), ok[i]);
            } catch (RuntimeException e) {
                LOG.error("completing a store batch failed", e);
            }
        }
    }

    /**
     * Stops after every batch handed over is written and completed. Waits as long as the disk
     * takes (warning every 5 s) up to two minutes.
     *
     * @return false when the writer is still busy: the caller must not close the database under it
     */
    boolean close() {
        running = false;
        long waited = 0;
        try {
            while (thread.isAlive() && waited < CLOSE_GIVE_UP_MILLIS) {
                thread.join(CLOSE_WARN_MILLIS);
                waited += CLOSE_WARN_MILLIS;
                if (thread.isAlive()) {
                    LOG.warn("waiting for the store writer to finish ({} batch(es) queued)", queue.size());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            return false;
        }
        noSync.close();
        return true;
    }
}
