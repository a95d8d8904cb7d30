package dev.tern.broker.storage.rocksdb;

import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit for durability {@code fsync}: one thread takes every batch the event loops handed
 * over since its last round, writes them to the log in arrival order, fsyncs the log once, and
 * tells each loop its batch is durable. Many clients' writes share one fsync; no event loop ever
 * waits for the disk.
 */
final class SyncWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncWriter.class);

    private record Job(RocksStore.Group group, RocksStore.ThreadState thread) {
    }

    private final RocksStore store;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
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
            try {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                round.add(first);
                queue.drainTo(round);
                boolean[] ok = new boolean[round.size()];
                boolean anyWritten = false;
                for (int i = 0; i < round.size(); i++) {
                    ok[i] = store.write(round.get(i).group(), noSyncOptions());
                    anyWritten |= ok[i] && round.get(i).group().ops > 0;
                }
                if (anyWritten) {
                    try {
                        store.syncLog();
                    } catch (RocksDBException e) {
                        LOG.error("fsync of the write-ahead log failed: {}", e.getMessage());
                        java.util.Arrays.fill(ok, false);
                    }
                }
                for (int i = 0; i < round.size(); i++) {
                    Job j = round.get(i);
                    store.completed(j.group(), j.thread(), ok[i]);
                }
                round.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("store writer failed", e);
            }
        }
    }

    private final org.rocksdb.WriteOptions noSync = new org.rocksdb.WriteOptions().setSync(false);

    private org.rocksdb.WriteOptions noSyncOptions() {
        return noSync;
    }

    void close() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        noSync.close();
    }
}
