package dev.tern.broker.session;

import dev.tern.broker.routing.Message;

/**
 * One message on its way to one session: waiting in the queue, or in flight until the client
 * acknowledges it. Owned by the session's event loop.
 */
final class Outgoing {
    Message message;
    final int qos;
    final boolean retain;
    final int[] subscriptionIds;
    /**
     * Position in the session's stream of QoS 1/2 messages: orders the stored queue and fixes the
     * packet identifier ({@code seq % 65535 + 1}), so a message resent after a restart keeps its id.
     * -1 for QoS 0.
     */
    long seq;
    /** The store's handle for the stored entry, or null when it is not stored. */
    Object handle;
    /** QoS 2: PUBREC received, PUBREL sent; the message itself is no longer needed. */
    boolean released;
    /** Sent at least once on some connection (a resend sets DUP). */
    boolean sent;

    Outgoing(Message message, int qos, boolean retain, int[] subscriptionIds, long seq, Object handle) {
        this.message = message;
        this.qos = qos;
        this.retain = retain;
        this.subscriptionIds = subscriptionIds;
        this.seq = seq;
        this.handle = handle;
    }

    int packetId() {
        return packetIdFor(seq);
    }

    static int packetIdFor(long seq) {
        return (int) (seq % 65535) + 1;
    }

    void releaseMessage() {
        if (message != null) {
            message.release();
            message = null;
        }
    }
}
