package dev.tern.broker.conformance;

import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 4.9 flow control and the Maximum Packet Size, in both directions: the server honours
 * the client's Receive Maximum and Maximum Packet Size, and enforces its own (DISCONNECT 0x93 and
 * 0x95 for MQTT 5, a close for 3.1.1).
 */
class Ch4FlowControlIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withMqtt(m -> m.receiveMaximum(3).maximumPacketSize(256));

    // --- the client's Receive Maximum -----------------------------------------------------------

    /** Paho's test_flow_control1: Receive Maximum 2 and three QoS 1 messages: the third waits for an acknowledgement. */
    @Test
    @Conformance({"v5:MQTT-3.3.4-9", "v5:MQTT-4.9.0-1", "v5:MQTT-4.9.0-2"})
    void serverKeepsToTheClientsReceiveMaximum() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "recvmax-2")
            .props(Props.of().u16(Props.RECEIVE_MAXIMUM, 2).build()))) {
            Raw.subscribe(c, Packets.V5, 1, "flow/rm2", 2);
            for (int i = 1; i <= 3; i++) {
                c.send(Raw.publish5("flow/rm2", 1, false, i, Props.none(), "message " + i));
            }
            Received.Publish[] got = new Received.Publish[2];
            int publishes = 0;
            for (int k = 0; k < 5; k++) {
                Received r = c.receive();
                if (r.type() == Received.PUBLISH) {
                    got[publishes++] = r.publish();
                } else {
                    assertThat(r.type()).isEqualTo(Received.PUBACK);
                }
            }
            assertThat(publishes).isEqualTo(2);
            c.expectNothing(Raw.QUIET);
            c.send(Packets.puback(got[0].packetId()));
            Received.Publish third = Raw.publish(c);
            assertThat(third.payloadText()).isEqualTo("message 3");
            c.send(Packets.puback(got[1].packetId()));
            c.send(Packets.puback(third.packetId()));
        }
    }

    /**
     * The quota starts afresh with each connection: a client that comes back with a smaller
     * Receive Maximum than the deliveries left in flight gets only that many resent at once.
     */
    @Test
    @Conformance({"v5:MQTT-3.3.4-9", "v5:MQTT-4.9.0-1"})
    void resendOnReconnectKeepsToTheNewReceiveMaximum() {
        Packets.Connect wide = Packets.connect(Packets.V5, "recvmax-resume").cleanStart(true)
            .props(Props.of().u16(Props.RECEIVE_MAXIMUM, 10).u32(Props.SESSION_EXPIRY_INTERVAL, 60).build());
        try (RawClient c = Raw.connected(broker.port(), wide); RawClient pub = Raw.v5(broker.port(), "recvmax-resume-pub")) {
            Raw.subscribe(c, Packets.V5, 1, "flow/resume", 1);
            for (int i = 1; i <= 3; i++) {
                pub.send(Raw.publish5("flow/resume", 1, false, i, Props.none(), "m" + i));
                pub.expect(Received.PUBACK);
                Raw.publish(c);
            }
            c.drop();
        }
        Packets.Connect narrow = Packets.connect(Packets.V5, "recvmax-resume").cleanStart(false)
            .props(Props.of().u16(Props.RECEIVE_MAXIMUM, 1).u32(Props.SESSION_EXPIRY_INTERVAL, 0).build());
        try (RawClient c = Raw.connected(broker.port(), narrow)) {
            for (int i = 1; i <= 3; i++) {
                Received.Publish p = Raw.publish(c);
                assertThat(p.payloadText()).isEqualTo("m" + i);
                assertThat(p.dup()).isTrue();
                c.expectNothing(Raw.QUIET);
                c.send(Packets.puback(p.packetId()));
            }
        }
    }

    /** A QoS 2 delivery holds its slot until PUBCOMP, not until PUBREC. */
    @Test
    @Conformance({"v5:MQTT-3.3.4-9", "v5:MQTT-4.9.0-2"})
    void qos2HoldsTheQuotaUntilPubcomp() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "recvmax-q2")
            .props(Props.of().u16(Props.RECEIVE_MAXIMUM, 1).build()));
             RawClient pub = Raw.v5(broker.port(), "recvmax-q2-pub")) {
            Raw.subscribe(c, Packets.V5, 1, "flow/q2", 2);
            for (int i = 1; i <= 2; i++) {
                pub.send(Raw.publish5("flow/q2", 2, false, i, Props.none(), "m" + i));
                pub.expect(Received.PUBREC);
                pub.send(Packets.pubrel(i));
                pub.expect(Received.PUBCOMP);
            }
            Received.Publish first = Raw.publish(c);
            c.send(Packets.pubrec(first.packetId()));
            c.expect(Received.PUBREL);
            c.expectNothing(Raw.QUIET);
            c.send(Packets.pubcomp(first.packetId()));
            assertThat(Raw.publish(c).payloadText()).isEqualTo("m2");
        }
    }

    /** With the quota used up, everything else still flows: PINGRESP, SUBACK, UNSUBACK, QoS 0 PUBLISH. */
    @Test
    @Conformance({"v5:MQTT-4.9.0-3", "v5:MQTT-3.3.4-10"})
    void zeroQuotaDelaysOnlyQos1And2Publishes() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "recvmax-1")
            .props(Props.of().u16(Props.RECEIVE_MAXIMUM, 1).build()))) {
            Raw.subscribe(c, Packets.V5, 1, "flow/rm1", 1);
            c.send(Raw.publish5("flow/rm1", 1, false, 1, Props.none(), "holds the quota"));
            Received.Publish held = null;
            for (int k = 0; k < 2; k++) {
                Received r = c.receive();
                if (r.type() == Received.PUBLISH) {
                    held = r.publish();
                }
            }
            assertThat(held).isNotNull();
            c.send(Packets.pingreq());
            c.expect(Received.PINGRESP);
            Raw.subscribe(c, Packets.V5, 2, "flow/other", 0);
            c.send(Packets.unsubscribe(Packets.V5, 3, "flow/other"));
            c.expect(Received.UNSUBACK);
            c.send(Raw.publish5("flow/rm1", 2, false, 4, Props.none(), "x"));
            assertThat(c.expect(Received.PUBREC).ack().packetId()).isEqualTo(4);
            c.send(Packets.pubrel(4));
            assertThat(c.expect(Received.PUBCOMP).ack().packetId()).isEqualTo(4);
            c.send(Packets.puback(held.packetId()));
        }
    }

    // --- the server's Receive Maximum -----------------------------------------------------------

    /** Paho's test_flow_control2: more unacknowledged QoS 2 PUBLISHes than the server's Receive Maximum. */
    @Test
    @Conformance({"v5:MQTT-3.3.4-7"})
    void clientExceedingTheServersReceiveMaximumIsDisconnectedWith0x93() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = RawClient.connect(broker.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "too-many"));
            assertThat(ack.properties().integer(Props.RECEIVE_MAXIMUM)).isEqualTo(3);
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 1; i <= 4; i++) {
                burst.writeBytes(Raw.publish5("flow/toomany", 2, false, i, Props.none(), "m" + i));
            }
            c.send(burst.toByteArray());
            List<Received> got = c.expectClosed();
            assertThat(got).extracting(Received::type).containsExactly(Received.PUBREC, Received.PUBREC, Received.PUBREC,
                Received.DISCONNECT);
            assertThat(got.get(3).disconnect().reasonCode()).isEqualTo(0x93);
            other.assertUnaffected();
        }
    }

    /** Exactly the Receive Maximum in flight is fine, and PUBREL frees a slot. */
    @Test
    @Conformance({"v5:MQTT-3.3.4-7"})
    void clientWithinTheServersReceiveMaximumIsServed() {
        try (RawClient c = Raw.v5(broker.port(), "enough")) {
            for (int round = 0; round < 2; round++) {
                for (int i = 1; i <= 3; i++) {
                    c.send(Raw.publish5("flow/enough", 2, false, i, Props.none(), "m" + i));
                    c.expect(Received.PUBREC);
                }
                for (int i = 1; i <= 3; i++) {
                    c.send(Packets.pubrel(i));
                    c.expect(Received.PUBCOMP);
                }
            }
        }
    }

    // --- Maximum Packet Size --------------------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5PacketAboveTheServersMaximumIsDisconnectedWith0x95() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = RawClient.connect(broker.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "too-big"));
            assertThat(ack.properties().longValue(Props.MAXIMUM_PACKET_SIZE)).isEqualTo(256);
            // 256 bytes exactly is allowed ...
            c.send(Raw.publish5("big", 0, false, 0, Props.none(), "x".repeat(256 - 9)));
            c.send(Packets.pingreq());
            c.expect(Received.PINGRESP);
            // ... 257 is not
            c.send(Raw.publish5("big", 0, false, 0, Props.none(), "x".repeat(257 - 9)));
            Raw.expectDisconnect(c, 0x95);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v311:MQTT-4.8.0-1"})
    void v311PacketAboveTheServersMaximumClosesTheConnection() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = Raw.v311(broker.port(), "too-big-311")) {
            c.send(Packets.publish(Packets.V311, "big", 0, 0, "x".repeat(300)));
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    /** The size is known from the fixed header: the server does not wait for a huge body. */
    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5OversizedPacketIsRefusedFromItsHeader() {
        try (RawClient c = Raw.v5(broker.port(), "huge-header")) {
            c.send("30 ff ff ff 7f 00 01 61");
            Raw.expectDisconnect(c, 0x95);
        }
    }

    /** Paho's test_maximum_packet_size: what fits the client's maximum arrives, what does not is skipped. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-24", "v5:MQTT-3.1.2-25"})
    void serverNeverSendsMoreThanTheClientsMaximumPacketSize() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "small-client")
            .props(Props.of().u32(Props.MAXIMUM_PACKET_SIZE, 64).u16(Props.RECEIVE_MAXIMUM, 1).build()))) {
            Raw.subscribe(c, Packets.V5, 1, "mps/t", 1);
            c.send(Raw.publish5("mps/t", 0, false, 0, Props.none(), ".".repeat(32)));
            Received small = c.expect(Received.PUBLISH);
            assertThat(small.raw().length).isLessThanOrEqualTo(64);
            // too large for the client at QoS 1: skipped, and treated as delivered (its quota slot is free again)
            c.send(Raw.publish5("mps/t", 1, false, 1, Props.none(), ".".repeat(64)));
            c.expect(Received.PUBACK);
            c.send(Raw.publish5("mps/t", 1, false, 2, Props.none(), "fits"));
            Received.Publish next = null;
            for (int k = 0; k < 2; k++) {
                Received r = c.receive();
                assertThat(r.raw().length).isLessThanOrEqualTo(64);
                if (r.type() == Received.PUBLISH) {
                    next = r.publish();
                }
            }
            assertThat(next).isNotNull();
            assertThat(next.payloadText()).isEqualTo("fits");
            c.send(Packets.puback(next.packetId()));
        }
    }

    /** Acknowledgements with a reason code carry no Reason String, so even 5 bytes are enough. */
    @Test
    @Conformance({"v5:MQTT-3.4.2-2", "v5:MQTT-3.4.2-3", "v5:MQTT-3.5.2-2", "v5:MQTT-3.5.2-3", "v5:MQTT-3.6.2-2",
        "v5:MQTT-3.6.2-3", "v5:MQTT-3.7.2-2", "v5:MQTT-3.7.2-3"})
    void acknowledgementsFitATinyMaximumPacketSize() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "tiny-acks")
            .props(Props.of().u32(Props.MAXIMUM_PACKET_SIZE, 5).build()))) {
            c.send(Raw.publish5("nobody/tiny", 1, false, 1, Props.none(), "x"));
            assertThat(c.expect(Received.PUBACK).raw()).hasSizeLessThanOrEqualTo(5);
            c.send(Raw.publish5("nobody/tiny", 2, false, 2, Props.none(), "x"));
            assertThat(c.expect(Received.PUBREC).raw()).hasSizeLessThanOrEqualTo(5);
            c.send(Packets.pubrel(3));
            assertThat(c.expect(Received.PUBCOMP).raw()).hasSizeLessThanOrEqualTo(5);
            c.send(Packets.pubrec(4));
            assertThat(c.expect(Received.PUBREL).raw()).hasSizeLessThanOrEqualTo(5);
        }
    }

    /** A DISCONNECT's Reason String is left out when it would exceed the client's Maximum Packet Size. */
    @Test
    @Conformance({"v5:MQTT-3.14.2-3", "v5:MQTT-3.14.2-4", "v5:MQTT-3.1.2-24"})
    void disconnectFitsTheClientsMaximumPacketSize() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "tiny-disconnect")
            .props(Props.of().u32(Props.MAXIMUM_PACKET_SIZE, 4).build()))) {
            c.send(Raw.publish5("bad/+", 0, false, 0, Props.none(), "x"));
            List<Received> got = c.expectClosed();
            assertThat(got).hasSize(1);
            assertThat(got.get(0).raw()).hasSizeLessThanOrEqualTo(4);
            assertThat(got.get(0).disconnect().reasonCode()).isEqualTo(0x90);
        }
    }
}
