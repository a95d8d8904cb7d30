package dev.tern.broker.retained;

import dev.tern.broker.routing.Message;

import java.util.function.Consumer;

/**
 * Retained messages, one per topic (section 3.3.1.3). Implementations: {@link MemoryRetainedStore};
 * the durable one lives under {@code storage/}.
 *
 * <p>Threading: every method may be called from any event loop.
 */
public interface RetainedStore extends AutoCloseable {
    /** Sets the retained message of its topic, replacing any; the store takes its own reference. */
    void put(Message message);

    /** Clears the retained message of a topic [MQTT-3.3.1-6]. */
    void remove(String topic);

    /**
     * Calls {@code consumer} with every retained message whose topic matches the filter. The
     * consumer must retain a message it keeps beyond the call.
     */
    void match(String topicFilter, Consumer<Message> consumer);

    int size();

    /** Drops the messages whose expiry has passed (section 3.3.2.3.3), from disk too where they are stored. */
    void purgeExpired();

    @Override
    void close();
}
