package dev.tern.gateway.mqtt;

import dev.tern.gateway.GatewayException;

/**
 * Something that takes messages from a {@link ConsumerSession}: an HTTP poll, an SSE stream, a
 * WebSocket. All three methods are called on the session's context.
 */
public interface Reader {
    /** True while the reader can take one more message now (capacity left, write queue not full). */
    boolean ready();

    void deliver(GatewayMessage message);

    /** The session ended for good (the broker connection was lost and not regained). */
    void failed(GatewayException failure);

    /** With no-local: the origin id this reader's own publications carry; they are not delivered back to it. */
    default String origin() {
        return null;
    }
}
