package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.retained.MemoryRetainedStore;
import dev.tern.broker.retained.RetainedStore;
import dev.tern.broker.routing.Message;

import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;

/**
 * Retained messages kept in memory for matching (the tree of {@link MemoryRetainedStore}) and in
 * RocksDB for restarts.
 *
 * <p>Invariant: the index changes only after the same change is in the write-ahead log, and in the
 * order the log has them: each change is written at once ({@link RocksStore#writeRetained}) and
 * applied to the index under one lock. So a subscriber is never sent a retained message the disk
 * does not have (with durability {@code process}; with {@code fsync} the publisher's PUBACK still
 * waits for the fsync), two publishers racing on one topic leave the disk and the index agreeing on
 * the winner, and an expired message is deleted from disk only while it is still the topic's
 * message, never a newer one that replaced it. A change the store refuses (disk low on space) is
 * not applied, and the publisher is refused.
 */
public final class RocksRetainedStore implements RetainedStore {
    private final MemoryRetainedStore index;
    private final RocksStore store;

    public RocksRetainedStore(RocksStore store, Clock clock) {
        this.store = store;
        this.index = new MemoryRetainedStore(clock, this::expired);
        long now = clock.millis();
        List<Message> stored = store.loadRetained();
        for (Message m : stored) {
            try {
                if (m.isExpired(now)) {
                    store.writeRetained(Codec.utf8(m.topic()), null); // expiry removes it from disk too
                } else {
                    index.put(m);
                }
            } finally {
                m.release();
            }
        }
    }

    @Override
    public void put(Message message) {
        byte[] key = Codec.utf8(message.topic());
        byte[] value = Codec.message(message);
        synchronized (this) {
            if (store.writeRetained(key, value)) {
                index.put(message);
            }
        }
    }

    @Override
    public void remove(String topic) {
        byte[] key = Codec.utf8(topic);
        synchronized (this) {
            if (store.writeRetained(key, null)) {
                index.remove(topic);
            }
        }
    }

    /** The index found {@code m} expired (on a read or a purge): gone from disk, then from the index. */
    private void expired(Message m) {
        synchronized (this) {
            if (index.holds(m) && store.writeRetained(Codec.utf8(m.topic()), null)) {
                index.removeIfSame(m);
            }
        }
    }

    @Override
    public void match(String topicFilter, Consumer<Message> consumer) {
        index.match(topicFilter, consumer);
    }

    @Override
    public void purgeExpired() {
        index.purgeExpired();
    }

    @Override
    public int size() {
        return index.size();
    }

    @Override
    public void close() {
        index.close();
    }
}
