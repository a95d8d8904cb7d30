package dev.tern.broker.conformance;

import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import dev.tern.testkit.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Set;

import static dev.tern.testkit.Wire.hex;
import static dev.tern.testkit.Wire.packet;
import static dev.tern.testkit.Wire.u16;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chapter 2, the control packet format: reserved fixed-header flags, packet identifiers, and the
 * MQTT 5 property rules (length 0 when there are none, no duplicates, only where allowed).
 */
class Ch2ControlPacketFormatIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    // --- reserved flag bits ---------------------------------------------------------------------

    /** Fixed headers whose flags break table 2.2, each after a valid CONNECT (hex: first byte and body). */
    @ParameterizedTest
    @ValueSource(strings = {"41 02 00 01", "51 02 00 01", "71 02 00 01", "c1 00", "c8 00", "e2 00"})
    @Conformance({"v311:MQTT-2.2.2-1", "v311:MQTT-2.2.2-2", "v311:MQTT-4.8.0-1"})
    void v311ReservedFlagsCloseTheConnection(String bytes) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = Raw.v311(broker.port(), "flags-311")) {
            c.send(bytes);
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"41 02 00 01", "51 02 00 01", "71 02 00 01", "c1 00", "c8 00", "e2 00"})
    @Conformance({"v5:MQTT-2.1.3-1", "v5:MQTT-4.13.1-1"})
    void v5ReservedFlagsAreMalformed(String bytes) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = Raw.v5(broker.port(), "flags-5")) {
            c.send(bytes);
            Raw.expectDisconnect(c, 0x81);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.6.1-1", "v311:MQTT-2.2.2-2"})
    void v311PubrelWithFlags0000ClosesTheConnection() {
        try (RawClient c = Raw.v311(broker.port(), "pubrel-flags-311")) {
            c.send(Packets.publish(Packets.V311, "flags/pubrel", 2, 3, "x"));
            assertThat(c.expect(Received.PUBREC).ack().packetId()).isEqualTo(3);
            c.send("60 02 00 03");
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.6.1-1", "v5:MQTT-2.1.3-1"})
    void v5PubrelWithFlags0000IsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "pubrel-flags-5")) {
            c.send(Raw.publish5("flags/pubrel", 2, false, 3, Props.none(), "x"));
            assertThat(c.expect(Received.PUBREC).ack().packetId()).isEqualTo(3);
            c.send("60 02 00 03");
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.8.1-1", "v311:MQTT-2.2.2-2"})
    void v311SubscribeWithFlags0000ClosesTheConnection() {
        try (RawClient c = Raw.v311(broker.port(), "sub-flags-311")) {
            c.send(packet(0x80, u16(1), Wire.utf8("a"), new byte[]{0}));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.8.1-1", "v5:MQTT-2.1.3-1"})
    void v5SubscribeWithFlags0000IsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "sub-flags-5")) {
            c.send(packet(0x83, u16(1), Props.none(), Wire.utf8("a"), new byte[]{0}));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.10.1-1", "v311:MQTT-2.2.2-2"})
    void v311UnsubscribeWithFlags0000ClosesTheConnection() {
        try (RawClient c = Raw.v311(broker.port(), "unsub-flags-311")) {
            c.send(packet(0xA0, u16(1), Wire.utf8("a")));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.10.1-1", "v5:MQTT-2.1.3-1"})
    void v5UnsubscribeWithFlags0000IsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "unsub-flags-5")) {
            c.send(packet(0xA3, u16(1), Props.none(), Wire.utf8("a")));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.14.1-1", "v311:MQTT-2.2.2-2"})
    void v311DisconnectWithReservedBitsClosesWithoutDiscardingTheWill() {
        try (RawClient sub = Raw.v311(broker.port(), "disc-flags-sub");
             RawClient c = RawClient.connect(broker.port())) {
            Raw.subscribe(sub, Packets.V311, 1, "flags/will", 0);
            c.connect(Packets.connect(Packets.V311, "disc-flags-311").will("flags/will", "gone", 0, false));
            c.send("e1 00");
            Raw.expectClosedSilently(c);
            // not a valid DISCONNECT, so the will is published
            assertThat(Raw.publish(sub).payloadText()).isEqualTo("gone");
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.14.1-1", "v5:MQTT-2.1.3-1"})
    void v5DisconnectWithReservedBitsIsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "disc-flags-5")) {
            c.send("e4 00");
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.15.1-1", "v5:MQTT-2.1.3-1"})
    void v5AuthWithReservedBitsIsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "auth-flags-5")) {
            c.send("f1 00");
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.3.1-4"})
    void v311PublishWithQos3ClosesTheConnection() {
        try (RawClient c = Raw.v311(broker.port(), "qos3-311")) {
            c.send(packet(0x36, Wire.utf8("q/3"), u16(1), Raw.utf8("x")));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.3.1-4"})
    void v5PublishWithQos3IsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "qos3-5")) {
            c.send(packet(0x36, Wire.utf8("q/3"), u16(1), Props.none(), Raw.utf8("x")));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.3.1-2"})
    void v311QoS0PublishWithDupClosesTheConnection() {
        try (RawClient c = Raw.v311(broker.port(), "dup0-311")) {
            c.send(packet(0x38, Wire.utf8("dup/0"), Raw.utf8("x")));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.3.1-2"})
    void v5QoS0PublishWithDupIsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "dup0-5")) {
            c.send(packet(0x38, Wire.utf8("dup/0"), Props.none(), Raw.utf8("x")));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    // --- packet identifiers ---------------------------------------------------------------------

    /** A PUBLISH QoS 1, a SUBSCRIBE and an UNSUBSCRIBE, each with packet identifier 0. */
    @ParameterizedTest
    @ValueSource(strings = {"32 07 00 03 61 2f 62 00 00", "82 06 00 00 00 01 61 00", "a2 05 00 00 00 01 61"})
    @Conformance({"v311:MQTT-2.3.1-1", "v311:MQTT-4.8.0-1"})
    void v311PacketIdentifierZeroClosesTheConnection(String bytes) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = Raw.v311(broker.port(), "pid0-311")) {
            c.send(bytes);
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"32 08 00 03 61 2f 62 00 00 00", "82 07 00 00 00 00 01 61 00", "a2 06 00 00 00 00 01 61"})
    @Conformance({"v5:MQTT-2.2.1-3", "v5:MQTT-4.13.1-1"})
    void v5PacketIdentifierZeroIsAProtocolError(String bytes) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = Raw.v5(broker.port(), "pid0-5")) {
            c.send(bytes);
            Raw.expectDisconnect(c, 0x82);
            other.assertUnaffected();
        }
    }

    /** The server's QoS 0 PUBLISH, byte for byte: no packet identifier, DUP 0. */
    @Test
    @Conformance({"v311:MQTT-2.3.1-5", "v311:MQTT-3.3.1-2", "v311:MQTT-4.3.1-1"})
    void v311ServerQos0PublishHasNoPacketIdentifier() {
        try (RawClient c = Raw.v311(broker.port(), "qos0-out-311")) {
            Raw.subscribe(c, Packets.V311, 1, "q0/out", 2);
            c.send(Packets.publish(Packets.V311, "q0/out", 0, 0, "hi"));
            assertThat(c.expect(Received.PUBLISH).raw()).isEqualTo(hex("30 0a 00 06 71 30 2f 6f 75 74 68 69"));
        }
    }

    @Test
    @Conformance({"v5:MQTT-2.2.1-2", "v5:MQTT-3.3.1-2", "v5:MQTT-4.3.1-1", "v5:MQTT-2.2.2-1"})
    void v5ServerQos0PublishHasNoPacketIdentifier() {
        try (RawClient c = Raw.v5(broker.port(), "qos0-out-5")) {
            Raw.subscribe(c, Packets.V5, 1, "q0/out5", 2);
            c.send(Raw.publish5("q0/out5", 0, false, 0, Props.none(), "hi"));
            assertThat(c.expect(Received.PUBLISH).raw()).isEqualTo(hex("30 0c 00 07 71 30 2f 6f 75 74 35 00 68 69"));
        }
    }

    /** Five QoS 1 and five QoS 2 deliveries left unacknowledged: ten distinct, non-zero identifiers. */
    @Test
    @Conformance({"v311:MQTT-2.3.1-4", "v311:MQTT-4.3.2-1", "v311:MQTT-4.3.3-1"})
    void v311ServerPacketIdentifiersAreNonZeroAndUnused() {
        try (RawClient c = Raw.v311(broker.port(), "pid-out-311")) {
            assertDistinctIdentifiers(c, Packets.V311, "pid/out311");
        }
    }

    @Test
    @Conformance({"v5:MQTT-2.2.1-4", "v5:MQTT-4.3.2-1", "v5:MQTT-4.3.3-1", "v5:MQTT-4.3.2-2", "v5:MQTT-4.3.3-2"})
    void v5ServerPacketIdentifiersAreNonZeroAndUnused() {
        try (RawClient c = Raw.v5(broker.port(), "pid-out-5")) {
            assertDistinctIdentifiers(c, Packets.V5, "pid/out5");
        }
    }

    private static void assertDistinctIdentifiers(RawClient c, int version, String topic) {
        Raw.subscribe(c, version, 1, topic, 2);
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            int qos = i < 5 ? 1 : 2;
            c.send(Packets.publish(version, topic, qos, false, false, 100 + i, Props.none(), Raw.utf8("m" + i)));
            // our own acknowledgement (PUBACK / PUBREC) and the delivery, in either order
            for (int k = 0; k < 2; k++) {
                Received r = c.receive();
                if (r.type() == Received.PUBLISH) {
                    Received.Publish p = r.publish();
                    assertThat(p.qos()).isEqualTo(qos);
                    assertThat(p.dup()).isFalse();
                    assertThat(p.packetId()).isNotZero();
                    ids.add(p.packetId());
                } else {
                    assertThat(r.ack().packetId()).isEqualTo(100 + i);
                }
            }
        }
        assertThat(ids).hasSize(10);
    }

    @Test
    @Conformance({"v311:MQTT-2.3.1-6", "v311:MQTT-2.3.1-7"})
    void v311AcknowledgementsCarryThePacketIdentifier() {
        try (RawClient c = Raw.v311(broker.port(), "ack-id-311")) {
            c.send(Packets.subscribe(Packets.V311, 0x1234, "ack/id", 0));
            assertThat(c.expect(Received.SUBACK).raw()).isEqualTo(hex("90 03 12 34 00"));
            c.send(Packets.publish(Packets.V311, "ack/none", 1, 0x0102, "x"));
            assertThat(c.expect(Received.PUBACK).raw()).isEqualTo(hex("40 02 01 02"));
            c.send(Packets.publish(Packets.V311, "ack/none", 2, 0xFFFF, "x"));
            assertThat(c.expect(Received.PUBREC).raw()).isEqualTo(hex("50 02 ff ff"));
            c.send(Packets.pubrel(0xFFFF));
            assertThat(c.expect(Received.PUBCOMP).raw()).isEqualTo(hex("70 02 ff ff"));
            c.send(Packets.unsubscribe(Packets.V311, 0x4321, "ack/id"));
            assertThat(c.expect(Received.UNSUBACK).raw()).isEqualTo(hex("b0 02 43 21"));
        }
    }

    /** Without properties every MQTT 5 acknowledgement carries Property Length 0 (or omits it as 3.4.2.1 allows). */
    @Test
    @Conformance({"v5:MQTT-2.2.1-5", "v5:MQTT-2.2.1-6", "v5:MQTT-2.2.2-1"})
    void v5AcknowledgementsCarryThePacketIdentifier() {
        try (RawClient c = Raw.v5(broker.port(), "ack-id-5")) {
            Raw.subscribe(c, Packets.V5, 1, "ack/id5", 0);
            c.send(Packets.subscribe(Packets.V5, 0x1234, "ack/id5b", 1));
            assertThat(c.expect(Received.SUBACK).raw()).isEqualTo(hex("90 04 12 34 00 01"));
            c.send(Raw.publish5("ack/id5", 1, false, 0x0102, Props.none(), "x"));
            assertAckOrDelivery(c, "40 02 01 02");
            c.send(Raw.publish5("ack/id5", 2, false, 0xFFFF, Props.none(), "x"));
            assertAckOrDelivery(c, "50 02 ff ff");
            c.send(Packets.pubrel(0xFFFF));
            assertThat(c.expect(Received.PUBCOMP).raw()).isEqualTo(hex("70 02 ff ff"));
            c.send(Packets.unsubscribe(Packets.V5, 0x4321, "ack/id5b"));
            assertThat(c.expect(Received.UNSUBACK).raw()).isEqualTo(hex("b0 04 43 21 00 00"));
        }
    }

    private static void assertAckOrDelivery(RawClient c, String ackHex) {
        for (int k = 0; k < 2; k++) {
            Received r = c.receive();
            if (r.type() != Received.PUBLISH) {
                assertThat(r.raw()).isEqualTo(hex(ackHex));
            }
        }
    }

    // --- MQTT 5 properties ----------------------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5DuplicatePropertyIsAProtocolError() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = Raw.v5(broker.port(), "dup-prop")) {
            byte[] props = Props.of().u8(Props.PAYLOAD_FORMAT_INDICATOR, 0).u8(Props.PAYLOAD_FORMAT_INDICATOR, 0).build();
            c.send(Raw.publish5("props/dup", 0, false, 0, props, "x"));
            Raw.expectDisconnect(c, 0x82);
            other.assertUnaffected();
        }
    }

    /** User Property is the one property that may repeat: twice the same name, both kept, in order. */
    @Test
    @Conformance({"v5:MQTT-3.3.2-17", "v5:MQTT-3.3.2-18"})
    void v5RepeatedUserPropertiesAreAllowed() {
        try (RawClient c = Raw.v5(broker.port(), "dup-user")) {
            Raw.subscribe(c, Packets.V5, 1, "props/user", 0);
            byte[] props = Props.of().user("k", "1").user("k", "2").user("a", "3").build();
            c.send(Raw.publish5("props/user", 0, false, 0, props, "x"));
            Received.Publish p = Raw.publish(c);
            assertThat(p.properties().all(Props.USER_PROPERTY)).extracting(v -> String.join("=", (String[]) v))
                .containsExactly("k=1", "k=2", "a=3");
        }
    }

    /** Session Expiry Interval belongs to CONNECT, CONNACK and DISCONNECT, not to PUBLISH or SUBSCRIBE. */
    @ParameterizedTest
    @ValueSource(ints = {Props.SESSION_EXPIRY_INTERVAL, Props.RECEIVE_MAXIMUM, Props.SERVER_KEEP_ALIVE})
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5PropertyNotAllowedInThePacketIsAProtocolError(int id) {
        try (RawClient c = Raw.v5(broker.port(), "wrong-prop")) {
            byte[] props = id == Props.SESSION_EXPIRY_INTERVAL ? Props.of().u32(id, 10).build() : Props.of().u16(id, 10).build();
            c.send(Raw.publish5("props/wrong", 0, false, 0, props, "x"));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5PropertyNotAllowedInSubscribeIsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "wrong-prop-sub")) {
            byte[] props = Props.of().u8(Props.PAYLOAD_FORMAT_INDICATOR, 1).build();
            c.send(Packets.subscribe(Packets.V5, 1, props, Packets.sub("props/wrong", 0)));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5UnknownPropertyIdentifierIsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "unknown-prop")) {
            c.send(Raw.publish5("props/unknown", 0, false, 0, Props.of().raw(hex("7f 00")).build(), "x"));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5PropertyLengthPastThePacketIsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "prop-len")) {
            c.send(packet(0x30, Wire.utf8("props/len"), hex("09 01 00")));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.3.4-6"})
    void v5PublishWithSubscriptionIdentifierIsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "pub-subid")) {
            c.send(Raw.publish5("props/subid", 0, false, 0, Props.of().varint(Props.SUBSCRIPTION_IDENTIFIER, 5).build(), "x"));
            Raw.expectDisconnect(c, 0x82);
        }
    }
}
