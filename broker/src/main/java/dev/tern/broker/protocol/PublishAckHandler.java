package dev.tern.broker.protocol;

import dev.tern.broker.session.Session;

/**
 * PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4 to 3.7): the sender side of outbound QoS 1/2
 * deliveries and the receiver side of inbound QoS 2.
 *
 * <p>PUBREL and PUBCOMP are acknowledgements too (rule 5): each is sent once the state change it
 * confirms is durable, like PUBACK and PUBREC. A PUBCOMP sent before the inbound packet id's removal
 * is on disk would, after a crash, have the restart take the client's next QoS 2 PUBLISH with that
 * reused id for a resend: acknowledged and never delivered. When the store cannot write the change,
 * the acknowledgement is not sent, the session keeps the state the disk has, and the client is
 * disconnected so it resends after reconnecting.
 */
public final class PublishAckHandler {

    void handle(MqttConnection c, AckPacket a) {
        Session s = c.session();
        switch (a.type()) {
            case PacketType.PUBACK -> s.onPubAck(a.packetId());
            case PacketType.PUBREC -> pubRec(c, s, a);
            case PacketType.PUBREL -> pubRel(c, s, a.packetId());
            case PacketType.PUBCOMP -> s.onPubComp(a.packetId());
            default -> throw new IllegalArgumentException("not an acknowledgement: " + a);
        }
    }

    private static void pubRec(MqttConnection c, Session s, AckPacket a) {
        int packetId = a.packetId();
        switch (s.onPubRec(packetId, a.reasonCode())) {
            case RELEASE -> c.services().store().afterDurable(ok -> {
                if (c.isClosing()) {
                    s.execute(() -> s.pubRecDurable(packetId, ok)); // the session may have moved on
                    return;
                }
                if (s.pubRecDurable(packetId, ok)) {
                    // [MQTT-4.3.3-4] answer PUBREC with PUBREL, once "PUBREC received" survives a restart
                    c.write(PacketEncoder.ack(c.alloc(), c.version(), PacketType.PUBREL, packetId, 0, Properties.EMPTY));
                } else if (!ok) {
                    storeFailed(c);
                }
            });
            case UNKNOWN -> {
                if (a.reasonCode() < 0x80) {
                    int code = c.version().isV5() ? ReasonCode.PACKET_IDENTIFIER_NOT_FOUND.code() : 0;
                    c.services().store().afterDurable(ok -> { // PUBRELs in the order of their PUBRECs [MQTT-4.6.0-4]
                        if (!c.isClosing()) {
                            c.write(PacketEncoder.ack(c.alloc(), c.version(), PacketType.PUBREL, packetId, code,
                                Properties.EMPTY));
                        }
                    });
                }
            }
            case ENDED -> {
                // the client refused the message: nothing to send (section 4.3.3)
            }
        }
    }

    private static void pubRel(MqttConnection c, Session s, int packetId) {
        boolean known = s.releaseInboundQos2(packetId);
        int code = known || !c.version().isV5() ? 0 : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND.code();
        // waits also when the id is unknown: it may be a resend while the first PUBREL's removal is pending
        c.services().store().afterDurable(ok -> {
            if (!ok) {
                if (known) {
                    s.execute(() -> s.keepInboundQos2(packetId)); // the disk still has it
                }
                if (!c.isClosing()) {
                    storeFailed(c);
                }
                return;
            }
            if (!c.isClosing()) {
                // [MQTT-4.3.3-11] answer PUBREL with PUBCOMP, 0x92 when the id is unknown
                c.write(PacketEncoder.ack(c.alloc(), c.version(), PacketType.PUBCOMP, packetId, code, Properties.EMPTY));
            }
        });
    }

    /** The store could not write what an acknowledgement confirms: the client resends after reconnecting. */
    private static void storeFailed(MqttConnection c) {
        Disconnector.disconnect(c, ReasonCode.UNSPECIFIED_ERROR, "the store cannot write (disk full?)");
    }
}
