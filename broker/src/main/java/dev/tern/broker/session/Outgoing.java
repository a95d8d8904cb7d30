package dev.tern.broker.session;

import dev.tern.broker.routing.Message;

/**
 * One message on its way to one session: waiting in the queue, or in flight with a packet
 * identifier until the client acknowledges it. Owned by the session's event loop.
 */
final class Outgoing {
    Message message;
    final int qos;
    final boolean retain;
    final int[] subscriptionIds;
    int packetId;
    /** QoS 2: PUBREC received, PUBREL sent; the message itself is no longer needed. */
    boolean released;
    /** Order of first transmission, so a resumed session resends in the original order [MQTT-4.6.0-1]. */
    long sequence;

    Outgoing(Message message, int qos, boolean retain, int[] subscriptionIds) {
        this.message = message;
        this.qos = qos;
        this.retain = retain;
        this.subscriptionIds = subscriptionIds;
    }

    void releaseMessage() {
        if (message != null) {
            message.release();
            message = null;
        }
    }
}
