package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.retained.MemoryRetainedStore;
import dev.tern.broker.retained.RetainedStore;
import dev.tern.broker.routing.Message;

import java.time.Clock;
import java.util.function.Consumer;

/**
 * Retained messages kept in memory for matching (the tree of {@link MemoryRetainedStore}) and in
 * RocksDB for restarts. Writes are staged with the publish that caused them, so they are durable
 * before that publish is acknowledged.
 */
public final class RocksRetainedStore implements RetainedStore {
    private final MemoryRetainedStore index;
    private final RocksStore store;

    public RocksRetainedStore(RocksStore store, Clock clock) {
        this.store = store;
        this.index = new MemoryRetainedStore(clock, this::expired);
        long now = clock.millis();
        for (Message m : store.loadRetained()) {
            try {
                if (m.isExpired(now)) {
                    store.removeRetained(m.topic()); // expiry removes it from disk too
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
        index.put(message);
        store.putRetained(message);
    }

    @Override
    public void remove(String topic) {
        index.remove(topic);
        store.removeRetained(topic);
    }

    /** The index found {@code m} expired (on a read or a purge): gone from memory and from disk. */
    private void expired(Message m) {
        if (index.removeIfSame(m)) {
            store.removeRetained(m.topic());
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
