package dev.tern.broker.session;

import dev.tern.broker.protocol.ReasonCode;
import dev.tern.broker.routing.Message;

/**
 * What a session needs from the network connection attached to it. Implemented by the protocol
 * layer's connection handler; every method runs on the connection's event loop, which is the
 * session's owner while it is attached.
 */
public interface SessionConnection {
    /** True when the channel can take more bytes without piling up in its outbound buffer. */
    boolean isWritable();

    /** How many QoS 1/2 PUBLISHes may be unacknowledged toward the client (its Receive Maximum). */
    int sendWindow();

    /**
     * Writes a PUBLISH (not flushed until the end of the event-loop turn).
     *
     * @return false when the packet is larger than the client's Maximum Packet Size and was
     *         dropped instead [MQTT-3.1.2-25]
     */
    boolean writePublish(Message message, int qos, boolean retain, boolean dup, int packetId, int[] subscriptionIds);

    void writePubRel(int packetId);

    /** The server closes the connection, sending DISCONNECT with the reason to MQTT 5 clients. */
    void disconnect(ReasonCode reason, String reasonString);

    String remoteAddress();
}
