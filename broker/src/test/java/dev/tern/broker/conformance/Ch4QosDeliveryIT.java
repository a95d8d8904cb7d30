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

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static dev.tern.testkit.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sections 4.3 to 4.6, the server as sender and receiver of QoS 1 and 2: acknowledgements, what
 * is resent on reconnect (with DUP, with the original identifiers, in order, and at no other
 * time), reason codes of 0x80 and above, message ordering and the order of acknowledgements.
 */
class Ch4QosDeliveryIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    /**
     * A CONNECT that keeps the session: MQTT 5 with a Session Expiry Interval (and Clean Start as
     * asked), 3.1.1 with clean session 0 (a first connection then starts a new session).
     */
    private static Packets.Connect persistent(int version, String id, boolean cleanStart) {
        if (version == Packets.V5) {
            return Packets.connect(version, id).cleanStart(cleanStart)
                .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).build());
        }
        return Packets.connect(version, id).cleanStart(false);
    }

    private static RawClient client(int version, String id) {
        return version == Packets.V5 ? Raw.v5(broker.port(), id) : Raw.v311(broker.port(), id);
    }

    private static void endSession(int version, String id) {
        try (RawClient c = version == Packets.V5 ? Raw.v5(broker.port(), id) : Raw.v311(broker.port(), id)) {
            c.send(Packets.disconnect());
        }
    }

    /** Publishes and completes the publisher's side of the flow. */
    private static void publish(RawClient pub, int version, String topic, int qos, int packetId, String payload) {
        pub.send(Packets.publish(version, topic, qos, false, false, packetId, Props.none(), Raw.utf8(payload)));
        if (qos == 1) {
            pub.expect(Received.PUBACK);
        } else if (qos == 2) {
            pub.expect(Received.PUBREC);
            pub.send(Packets.pubrel(packetId));
            pub.expect(Received.PUBCOMP);
        }
    }

    /** Paho's test_redelivery_on_reconnect, at the byte level: unacknowledged PUBLISHes come back with DUP 1. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-4.4.0-1", "v311:MQTT-3.3.1-1", "v311:MQTT-4.6.0-1", "v311:MQTT-4.3.2-1",
        "v5:MQTT-4.4.0-1", "v5:MQTT-3.3.1-1", "v5:MQTT-4.3.2-3", "v5:MQTT-4.3.3-3"})
    void unacknowledgedPublishesAreResentWithDupOnReconnect(int version) {
        String id = "redeliver-" + version;
        String topic = "redeliver/" + version;
        List<Received.Publish> first = new ArrayList<>();
        try (RawClient sub = Raw.connected(broker.port(), persistent(version, id, true))) {
            Raw.subscribe(sub, version, 1, topic + "/#", 2);
            try (RawClient pub = client(version, id + "-pub")) {
                publish(pub, version, topic + "/1", 1, 1, "one");
                publish(pub, version, topic + "/2", 2, 2, "two");
                publish(pub, version, topic + "/3", 1, 3, "three");
            }
            for (int i = 0; i < 3; i++) {
                first.add(Raw.publish(sub));
            }
            // no resend while the connection lasts [MQTT-4.4.0-1]
            sub.expectNothing(Raw.QUIET);
            sub.drop();
        }
        try (RawClient sub = RawClient.connect(broker.port())) {
            assertThat(sub.connect(persistent(version, id, false)).sessionPresent()).isTrue();
            for (Received.Publish original : first) {
                Received.Publish again = Raw.publish(sub);
                assertThat(again.dup()).isTrue();
                assertThat(again.packetId()).isEqualTo(original.packetId());
                assertThat(again.qos()).isEqualTo(original.qos());
                assertThat(again.payloadText()).isEqualTo(original.payloadText());
            }
            for (Received.Publish p : first) {
                if (p.qos() == 1) {
                    sub.send(Packets.puback(p.packetId()));
                } else {
                    sub.send(Packets.pubrec(p.packetId()));
                    sub.expect(Received.PUBREL);
                    sub.send(Packets.pubcomp(p.packetId()));
                }
            }
            sub.expectNothing(Raw.QUIET);
            sub.send(Packets.disconnect());
        }
        endSession(version, id);
    }

    /** After PUBREC the server resends PUBREL, never the PUBLISH. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-4.4.0-1", "v311:MQTT-4.3.3-1", "v5:MQTT-4.4.0-1", "v5:MQTT-4.3.3-4", "v5:MQTT-4.3.3-5",
        "v5:MQTT-4.3.3-6", "v311:MQTT-2.3.1-6", "v5:MQTT-2.2.1-5"})
    void pubrelIsResentOnReconnect(int version) {
        String id = "pubrel-again-" + version;
        String topic = "pubrel/again/" + version;
        int packetId;
        try (RawClient sub = Raw.connected(broker.port(), persistent(version, id, true))) {
            Raw.subscribe(sub, version, 1, topic, 2);
            try (RawClient pub = client(version, id + "-pub")) {
                publish(pub, version, topic, 2, 1, "two");
            }
            Received.Publish p = Raw.publish(sub);
            packetId = p.packetId();
            sub.send(Packets.pubrec(packetId));
            Received pubrel = sub.expect(Received.PUBREL);
            assertThat(pubrel.raw()).isEqualTo(Wire.concat(hex("62 02"), Wire.u16(packetId)));
            sub.drop();
        }
        try (RawClient sub = RawClient.connect(broker.port())) {
            assertThat(sub.connect(persistent(version, id, false)).sessionPresent()).isTrue();
            Received again = sub.expect(Received.PUBREL);
            assertThat(again.raw()).isEqualTo(Wire.concat(hex("62 02"), Wire.u16(packetId)));
            sub.send(Packets.pubcomp(packetId));
            sub.expectNothing(Raw.QUIET);
            sub.send(Packets.disconnect());
        }
        endSession(version, id);
    }

    /** A PUBACK or PUBREC of 0x80 or above acknowledges the message: it is not resent. */
    @Test
    @Conformance({"v5:MQTT-4.4.0-2", "v5:MQTT-3.4.2-1", "v5:MQTT-3.5.2-1"})
    void v5RefusedDeliveriesAreNotResent() {
        String id = "refused-deliveries";
        try (RawClient sub = Raw.connected(broker.port(), persistent(Packets.V5, id, true))) {
            Raw.subscribe(sub, Packets.V5, 1, "refused/+", 2);
            try (RawClient pub = Raw.v5(broker.port(), id + "-pub")) {
                publish(pub, Packets.V5, "refused/1", 1, 1, "one");
                publish(pub, Packets.V5, "refused/2", 2, 2, "two");
            }
            Received.Publish one = Raw.publish(sub);
            Received.Publish two = Raw.publish(sub);
            sub.send(Wire.packet(0x40, Wire.u16(one.packetId()), new byte[]{(byte) 0x80}, Props.none()));
            sub.send(Wire.packet(0x50, Wire.u16(two.packetId()), new byte[]{(byte) 0x87}, Props.none()));
            // no PUBREL follows a refusing PUBREC
            sub.expectNothing(Raw.QUIET);
            sub.drop();
        }
        try (RawClient sub = RawClient.connect(broker.port())) {
            assertThat(sub.connect(persistent(Packets.V5, id, false)).sessionPresent()).isTrue();
            sub.expectNothing(Raw.QUIET);
            sub.send(Packets.disconnect());
        }
        endSession(Packets.V5, id);
    }

    @Test
    @Conformance({"v5:MQTT-3.6.2-1", "v5:MQTT-3.7.2-1"})
    void v5UnknownPacketIdentifiersGetReasonCode0x92() {
        try (RawClient c = Raw.v5(broker.port(), "unknown-ids")) {
            c.send(Packets.pubrel(42));
            assertThat(c.expect(Received.PUBCOMP).raw()).isEqualTo(hex("70 03 00 2a 92"));
            c.send(Packets.pubrec(43));
            assertThat(c.expect(Received.PUBREL).raw()).isEqualTo(hex("62 03 00 2b 92"));
            // a stray PUBACK or PUBCOMP is ignored
            c.send(Packets.puback(44));
            c.send(Packets.pubcomp(45));
            c.send(Packets.pingreq());
            c.expect(Received.PINGRESP);
        }
    }

    @Test
    @Conformance({"v311:MQTT-4.3.3-2"})
    void v311UnknownPubrelIsStillCompleted() {
        try (RawClient c = Raw.v311(broker.port(), "unknown-ids-311")) {
            c.send(Packets.pubrel(42));
            assertThat(c.expect(Received.PUBCOMP).raw()).isEqualTo(hex("70 02 00 2a"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"40 03 00 01 03", "50 03 00 01 04", "62 03 00 01 10", "70 03 00 01 80"})
    @Conformance({"v5:MQTT-3.4.2-1", "v5:MQTT-3.5.2-1", "v5:MQTT-3.6.2-1", "v5:MQTT-3.7.2-1", "v5:MQTT-4.13.1-1"})
    void v5AcknowledgementWithAnUndefinedReasonCodeIsAProtocolError(String bytes) {
        try (RawClient c = Raw.v5(broker.port(), "bad-ack-rc")) {
            c.send(bytes);
            Raw.expectDisconnect(c, 0x82);
        }
    }

    /** PUBACKs and PUBRECs go out in the order the PUBLISHes came in. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-4.6.0-2", "v311:MQTT-4.6.0-3"})
    void acknowledgementsFollowTheOrderOfPublishes(int version) {
        try (RawClient c = client(version, "ack-order-" + version)) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 1; i <= 10; i++) {
                burst.writeBytes(Packets.publish(version, "ack/order", i % 2 == 0 ? 2 : 1, false, false, 100 - i,
                    Props.none(), Raw.utf8("m" + i)));
            }
            c.send(burst.toByteArray());
            for (int i = 1; i <= 10; i++) {
                Received r = c.receive();
                assertThat(r.type()).isEqualTo(i % 2 == 0 ? Received.PUBREC : Received.PUBACK);
                assertThat(r.ack().packetId()).isEqualTo(100 - i);
            }
        }
    }

    /** PUBRELs go out in the order the PUBRECs came in. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-4.6.0-4", "v311:MQTT-4.3.3-1"})
    void pubrelsFollowTheOrderOfPubrecs(int version) {
        try (RawClient sub = client(version, "rel-order-" + version); RawClient pub = client(version, "rel-order-pub-" + version)) {
            Raw.subscribe(sub, version, 1, "rel/order", 2);
            for (int i = 1; i <= 3; i++) {
                publish(pub, version, "rel/order", 2, i, "m" + i);
            }
            int[] ids = new int[3];
            for (int i = 0; i < 3; i++) {
                ids[i] = Raw.publish(sub).packetId();
            }
            ByteArrayOutputStream recs = new ByteArrayOutputStream();
            for (int i = 2; i >= 0; i--) {
                recs.writeBytes(Packets.pubrec(ids[i]));
            }
            sub.send(recs.toByteArray());
            for (int i = 2; i >= 0; i--) {
                assertThat(sub.expect(Received.PUBREL).ack().packetId()).isEqualTo(ids[i]);
            }
            for (int id : ids) {
                sub.send(Packets.pubcomp(id));
            }
        }
    }

    /** Messages from one client to one topic reach each subscriber in order, whatever their QoS. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-4.6.0-5", "v311:MQTT-4.6.0-6", "v5:MQTT-4.6.0-5", "v5:MQTT-4.6.0-6", "v311:MQTT-4.5.0-1",
        "v5:MQTT-4.5.0-1"})
    void messagesOfATopicArriveInOrderAtEverySubscriber(int version) {
        String topic = "ordered/" + version;
        try (RawClient a = client(version, "order-a-" + version); RawClient b = client(version, "order-b-" + version);
             RawClient pub = client(version, "order-pub-" + version)) {
            Raw.subscribe(a, version, 1, topic, 1);
            Raw.subscribe(b, version, 1, "ordered/+", 2);
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 1; i <= 50; i++) {
                burst.writeBytes(Packets.publish(version, topic, 1, false, false, i, Props.none(), Raw.utf8("m" + i)));
            }
            pub.send(burst.toByteArray());
            for (RawClient sub : new RawClient[]{a, b}) {
                for (int i = 1; i <= 50; i++) {
                    Received.Publish p = Raw.publish(sub);
                    assertThat(p.payloadText()).isEqualTo("m" + i);
                    sub.send(Packets.puback(p.packetId()));
                }
            }
            for (int i = 1; i <= 50; i++) {
                pub.expect(Received.PUBACK);
            }
        }
    }

    /** The QoS 0 sender side: a QoS 0 delivery is never resent, even to a persistent session. */
    @Test
    @Conformance({"v5:MQTT-4.3.1-1", "v5:MQTT-3.3.1-2"})
    void v5Qos0IsSentOnceWithoutDup() {
        String id = "qos0-once";
        try (RawClient sub = Raw.connected(broker.port(), persistent(Packets.V5, id, true))) {
            Raw.subscribe(sub, Packets.V5, 1, "qos0/once", 0);
            sub.send(Raw.publish5("qos0/once", 1, false, 1, Props.none(), "x"));
            Received.Publish p = null;
            for (int k = 0; k < 2; k++) {
                Received r = sub.receive();
                if (r.type() == Received.PUBLISH) {
                    p = r.publish();
                }
            }
            assertThat(p).isNotNull();
            assertThat(p.qos()).isZero();
            assertThat(p.dup()).isFalse();
            sub.drop();
        }
        try (RawClient sub = RawClient.connect(broker.port())) {
            sub.connect(persistent(Packets.V5, id, false));
            sub.expectNothing(Raw.QUIET);
            sub.send(Packets.disconnect());
        }
        endSession(Packets.V5, id);
    }
}
