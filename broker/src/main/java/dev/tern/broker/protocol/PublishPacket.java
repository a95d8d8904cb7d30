package dev.tern.broker.protocol;

import io.netty.buffer.ByteBuf;

/**
 * An inbound PUBLISH (section 3.3). The payload is a slice of the network buffer that the handler
 * must release once it has copied or handed it on.
 *
 * @param topic    the topic name as sent; empty when the client used a topic alias alone
 * @param packetId 0 for QoS 0
 */
public record PublishPacket(String topic, int qos, boolean retain, boolean dup, int packetId,
                            Properties properties, ByteBuf payload) implements Packet {
    @Override
    public int type() {
        return PacketType.PUBLISH;
    }
}
