package dev.tern.broker.protocol;

import dev.tern.broker.session.Session;

/**
 * PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4 to 3.7): the sender side of outbound QoS 1/2
 * deliveries and the receiver side of inbound QoS 2.
 */
public final class PublishAckHandler {

    void handle(MqttConnection c, AckPacket a) {
        Session s = c.session();
        boolean v5 = c.version().isV5();
        switch (a.type()) {
            case PacketType.PUBACK -> s.onPubAck(a.packetId());
            case PacketType.PUBREC -> {
                if (s.onPubRec(a.packetId(), a.reasonCode()) || s.isReleased(a.packetId())) {
                    // [MQTT-4.3.3-4] answer PUBREC with PUBREL
                    c.write(PacketEncoder.ack(c.alloc(), c.version(), PacketType.PUBREL, a.packetId(), 0, Properties.EMPTY));
                } else if (a.reasonCode() < 0x80) {
                    c.write(PacketEncoder.ack(c.alloc(), c.version(), PacketType.PUBREL, a.packetId(),
                        v5 ? ReasonCode.PACKET_IDENTIFIER_NOT_FOUND.code() : 0, Properties.EMPTY));
                }
            }
            case PacketType.PUBREL -> {
                boolean known = s.releaseInboundQos2(a.packetId());
                // [MQTT-4.3.3-11] answer PUBREL with PUBCOMP, 0x92 when the id is unknown
                c.write(PacketEncoder.ack(c.alloc(), c.version(), PacketType.PUBCOMP, a.packetId(),
                    known || !v5 ? 0 : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND.code(), Properties.EMPTY));
            }
            case PacketType.PUBCOMP -> s.onPubComp(a.packetId());
            default -> throw new IllegalArgumentException("not an acknowledgement: " + a);
        }
    }
}
