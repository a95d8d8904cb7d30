package dev.tern.broker.conformance;

import dev.tern.broker.Broker;
import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.testkit.Packets;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import dev.tern.testkit.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.tern.testkit.Wire.concat;
import static dev.tern.testkit.Wire.hex;
import static dev.tern.testkit.Wire.packet;
import static dev.tern.testkit.Wire.u16;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sections 3.1 and 3.2, CONNECT and CONNACK, for MQTT 3.1.1 and MQTT 3.1 ({@code MQIsdp}):
 * the protocol name and level, the connect flags and the fields they announce, client
 * identifiers, clean session and the CONNACK that answers. MQTT 5 is in {@link Ch3Connect5IT}.
 */
class Ch3ConnectIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    /** CONNECT for 3.1.1 with the given flags byte and payload fields (no validation: for malformed input). */
    private static byte[] connect311(int flags, byte[]... payload) {
        return packet(0x10, concat(Wire.utf8("MQTT"), new byte[]{4, (byte) flags}, u16(60)), concat(payload));
    }

    @Test
    @Conformance({"v311:MQTT-3.1.4-4", "v311:MQTT-3.2.0-1", "v311:MQTT-3.2.2-1", "v311:MQTT-3.1.3-3",
        "v311:MQTT-7.1.1-1", "v311:MQTT-7.0.0-2"})
    void v311ValidConnectGetsConnackZero() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send("10 10 00 04 4d 51 54 54 04 02 00 3c 00 04 63 6c 69 31");
            assertThat(c.receive().raw()).isEqualTo(hex("20 02 00 00"));
            c.send(Packets.pingreq());
            assertThat(c.expect(Received.PINGRESP).raw()).isEqualTo(hex("d0 00"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"c0 00", "30 05 00 01 61 68 69", "82 06 00 01 00 01 61 00", "e0 00"})
    @Conformance({"v311:MQTT-3.1.0-1", "v311:MQTT-4.8.0-1"})
    void v311FirstPacketOtherThanConnectClosesTheConnection(String first) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = RawClient.connect(broker.port())) {
            c.send(first);
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.0-2", "v311:MQTT-4.8.0-1"})
    void v311SecondConnectIsAProtocolViolation() {
        try (RawClient watcher = Raw.v311(broker.port(), "second-watch");
             RawClient c = RawClient.connect(broker.port())) {
            Raw.subscribe(watcher, Packets.V311, 1, "second/will", 0);
            c.connect(Packets.connect(Packets.V311, "second-311").will("second/will", "violation", 0, false));
            c.send(Packets.connect(Packets.V311, "second-311").build());
            Raw.expectClosedSilently(c);
            // a violation is not a DISCONNECT: the will goes out
            assertThat(Raw.publish(watcher).payloadText()).isEqualTo("violation");
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-1", "v311:MQTT-3.1.4-1"})
    void v311WrongProtocolNameClosesWithoutConnack() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(packet(0x10, concat(Wire.utf8("MQTX"), new byte[]{4, 2}, u16(60)), Wire.utf8("bad-name")));
            Raw.expectClosedSilently(c);
        }
    }

    /** Levels this server does not speak under the name MQTT: 1, 2, 3 (3 is MQIsdp's) and 6. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 6, 0x84})
    @Conformance({"v311:MQTT-3.1.2-2", "v311:MQTT-3.2.2-4", "v311:MQTT-3.2.2-5"})
    void v311UnsupportedProtocolLevelGetsReturnCode1(int level) {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(packet(0x10, concat(Wire.utf8("MQTT"), new byte[]{(byte) level, 2}, u16(60)), Wire.utf8("bad-level")));
            assertThat(c.expectClosed()).extracting(Received::raw).containsExactly(hex("20 02 00 01"));
        }
    }

    /** Data sent behind a refused CONNECT is not processed: the PUBLISH never reaches the subscriber. */
    @Test
    @Conformance({"v311:MQTT-3.1.4-5"})
    void v311NothingAfterARefusedConnectIsProcessed() {
        try (RawClient watcher = Raw.v311(broker.port(), "refused-watch");
             RawClient c = RawClient.connect(broker.port())) {
            Raw.subscribe(watcher, Packets.V311, 1, "refused/after", 0);
            byte[] badLevel = packet(0x10, concat(Wire.utf8("MQTT"), new byte[]{9, 2}, u16(60)), Wire.utf8("refused"));
            c.send(concat(badLevel, Packets.publish(Packets.V311, "refused/after", 0, 0, "must not arrive")));
            assertThat(c.expectClosed()).extracting(Received::raw).containsExactly(hex("20 02 00 01"));
            watcher.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-3", "v311:MQTT-3.1.4-1"})
    void v311ReservedConnectFlagClosesWithoutConnack() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(connect311(0x03, Wire.utf8("reserved")));
            Raw.expectClosedSilently(c);
        }
    }

    /** Will QoS 1, Will QoS 2 and Will Retain, each without the Will Flag. */
    @ParameterizedTest
    @ValueSource(ints = {0x0A, 0x12, 0x22})
    @Conformance({"v311:MQTT-3.1.2-11", "v311:MQTT-3.1.2-13", "v311:MQTT-3.1.2-15", "v311:MQTT-3.1.4-1"})
    void v311WillQosOrRetainWithoutWillFlagClosesWithoutConnack(int flags) {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(connect311(flags, Wire.utf8("no-will")));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-14", "v311:MQTT-3.1.4-1"})
    void v311WillQos3ClosesWithoutConnack() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(connect311(0x1E, Wire.utf8("will-qos3"), Wire.utf8("w/t"), Wire.utf8("bye")));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-22", "v311:MQTT-3.1.4-1"})
    void v311PasswordWithoutUserNameClosesWithoutConnack() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(connect311(0x42, Wire.utf8("pw-only"), Wire.utf8("secret")));
            Raw.expectClosedSilently(c);
        }
    }

    /** A flag that announces a field the payload lacks. */
    @Test
    @Conformance({"v311:MQTT-3.1.2-9", "v311:MQTT-3.1.2-19", "v311:MQTT-3.1.2-21", "v311:MQTT-3.1.4-1"})
    void v311MissingAnnouncedFieldClosesWithoutConnack() {
        byte[][] connects = {
            connect311(0x06, Wire.utf8("no-will-topic")),
            connect311(0x06, Wire.utf8("no-will-msg"), Wire.utf8("w/t")),
            connect311(0x82, Wire.utf8("no-user")),
            connect311(0xC2, Wire.utf8("no-password"), Wire.utf8("user")),
        };
        for (byte[] connect : connects) {
            try (RawClient c = RawClient.connect(broker.port())) {
                c.send(connect);
                Raw.expectClosedSilently(c);
            }
        }
    }

    /** A field the flags do not announce: trailing bytes after the last announced field. */
    @Test
    @Conformance({"v311:MQTT-3.1.2-11", "v311:MQTT-3.1.2-18", "v311:MQTT-3.1.2-20", "v311:MQTT-3.1.4-1"})
    void v311UnannouncedFieldClosesWithoutConnack() {
        byte[][] connects = {
            connect311(0x02, Wire.utf8("extra-will"), Wire.utf8("w/t"), Wire.utf8("bye")),
            connect311(0x02, Wire.utf8("extra-user"), Wire.utf8("user")),
            connect311(0x82, Wire.utf8("extra-pw"), Wire.utf8("user"), Wire.utf8("secret")),
        };
        for (byte[] connect : connects) {
            try (RawClient c = RawClient.connect(broker.port())) {
                c.send(connect);
                Raw.expectClosedSilently(c);
            }
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.3-1", "v311:MQTT-3.1.2-9", "v311:MQTT-3.1.2-19", "v311:MQTT-3.1.2-21",
        "v311:MQTT-3.1.3-10", "v311:MQTT-3.1.3-11"})
    void v311ConnectWithEveryFieldInOrderIsAccepted() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(connect311(0xEE, Wire.utf8("all-fields"), Wire.utf8("all/will"), Wire.utf8("bye"),
                Wire.utf8("user"), Wire.utf8("secret")));
            assertThat(c.receive().raw()).isEqualTo(hex("20 02 00 00"));
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.3-5", "v311:MQTT-3.1.3-4"})
    void v311ClientIdentifiersOfOneTo23AlphanumericsAreAccepted() {
        for (String id : new String[]{"a", "Z9", "abcdefghijklmnopqrstuvw", "0123456789ABCDEFGHIJKLM"}) {
            try (RawClient c = Raw.v311(broker.port(), id)) {
                c.send(Packets.pingreq());
                c.expect(Received.PINGRESP);
            }
        }
    }

    /** Two clients with an empty identifier get different ones: each receives only its own message. */
    @Test
    @Conformance({"v311:MQTT-3.1.3-6", "v311:MQTT-3.1.3-2"})
    void v311EmptyClientIdentifierGetsAUniqueOne() {
        try (RawClient a = Raw.v311(broker.port(), ""); RawClient b = Raw.v311(broker.port(), "")) {
            Raw.subscribe(a, Packets.V311, 1, "empty-id/a", 0);
            Raw.subscribe(b, Packets.V311, 1, "empty-id/b", 0);
            a.send(Packets.publish(Packets.V311, "empty-id/b", 0, 0, "to b"));
            b.send(Packets.publish(Packets.V311, "empty-id/a", 0, 0, "to a"));
            assertThat(Raw.publish(a).payloadText()).isEqualTo("to a");
            assertThat(Raw.publish(b).payloadText()).isEqualTo("to b");
            a.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.3-8", "v311:MQTT-3.2.2-4", "v311:MQTT-3.2.2-5"})
    void v311EmptyClientIdentifierWithoutCleanSessionGetsReturnCode2() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(Packets.connect(Packets.V311, "").cleanStart(false).build());
            assertThat(c.expectClosed()).extracting(Received::raw).containsExactly(hex("20 02 00 02"));
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.3-9", "v311:MQTT-3.2.2-4", "v311:MQTT-3.2.2-5"})
    void v311RejectedClientIdentifierGetsReturnCode2() {
        try (Broker b = Raw.broker(m -> m.maxClientIdLength(8)); RawClient c = RawClient.connect(b.port())) {
            c.send(Packets.connect(Packets.V311, "longer-than-eight").build());
            assertThat(c.expectClosed()).extracting(Received::raw).containsExactly(hex("20 02 00 02"));
        }
    }

    // --- MQTT 3.1 -------------------------------------------------------------------------------

    @Test
    @Conformance({"v31:MQTT-3.1.4-4", "v31:MQTT-3.2.0-1", "v31:MQTT-3.3.4-1", "v31:MQTT-4.3.2-2", "v31:MQTT-4.3.3-2"})
    void v31ConnectAndPublishAtEveryQos() {
        try (RawClient c = RawClient.connect(broker.port())) {
            // MQIsdp, level 3, clean session, keep-alive 60, client id "v31"
            c.send("10 11 00 06 4d 51 49 73 64 70 03 02 00 3c 00 03 76 33 31");
            assertThat(c.receive().raw()).isEqualTo(hex("20 02 00 00"));
            Raw.subscribe(c, Packets.V31, 1, "v31/+", 2);
            c.send(Packets.publish(Packets.V31, "v31/a", 0, 0, "zero"));
            assertThat(Raw.publish(c).payloadText()).isEqualTo("zero");
            c.send(Packets.publish(Packets.V31, "v31/a", 1, 5, "one"));
            for (int i = 0; i < 2; i++) {
                Received r = c.receive();
                if (r.type() == Received.PUBLISH) {
                    assertThat(r.publish().qos()).isEqualTo(1);
                    c.send(Packets.puback(r.publish().packetId()));
                } else {
                    assertThat(r.raw()).isEqualTo(hex("40 02 00 05"));
                }
            }
            c.send(Packets.publish(Packets.V31, "v31/b", 2, 6, "two"));
            // the delivery may go out on PUBLISH or on PUBREL (section 4.3.3): take them in any order
            Received.Publish p = null;
            for (int i = 0; i < 3; i++) {
                Received r = c.receive();
                switch (r.type()) {
                    case Received.PUBREC -> {
                        assertThat(r.raw()).isEqualTo(hex("50 02 00 06"));
                        c.send(Packets.pubrel(6));
                    }
                    case Received.PUBCOMP -> assertThat(r.raw()).isEqualTo(hex("70 02 00 06"));
                    default -> p = r.publish();
                }
            }
            assertThat(p).isNotNull();
            assertThat(p.qos()).isEqualTo(2);
            assertThat(p.payloadText()).isEqualTo("two");
        }
    }

    @Test
    @Conformance({"v31:MQTT-3.1.3-9"})
    void v31EmptyClientIdentifierIsRejected() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(Packets.connect(Packets.V31, "").build());
            assertThat(c.expectClosed()).extracting(Received::raw).containsExactly(hex("20 02 00 02"));
        }
    }

    /** MQTT 3.1 (its CONNECT payload section): a client identifier of 1 to 23 characters; longer gets return code 2. */
    @Test
    void v31ClientIdOver23CharactersGetsReturnCode2() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(Packets.connect(Packets.V31, "v31-abcdefghijklmnopqrst").build()); // 24 characters
            assertThat(c.expectClosed()).extracting(Received::raw).containsExactly(hex("20 02 00 02"));
        }
        try (RawClient c = Raw.v31(broker.port(), "v31-abcdefghijklmnopqrs")) { // 23 characters
            c.send(Packets.pingreq());
            c.expect(Received.PINGRESP);
        }
    }

    @Test
    @Conformance({"v31:MQTT-3.1.2-2"})
    void v31NameWithAnotherLevelGetsReturnCode1() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(packet(0x10, concat(Wire.utf8("MQIsdp"), new byte[]{4, 2}, u16(60)), Wire.utf8("v31-l4")));
            assertThat(c.expectClosed()).extracting(Received::raw).containsExactly(hex("20 02 00 01"));
        }
    }

    @Test
    @Conformance({"v31:MQTT-3.1.2-8", "v31:MQTT-3.1.2-17"})
    void v31WillIsPublishedWhenTheConnectionDrops() {
        try (RawClient watcher = Raw.v31(broker.port(), "v31-watch");
             RawClient c = Raw.connected(broker.port(),
                 Packets.connect(Packets.V31, "v31-will").will("v31/will", "v31 gone", 1, true))) {
            Raw.subscribe(watcher, Packets.V31, 1, "v31/will", 1);
            c.drop();
            Received.Publish p = Raw.publish(watcher);
            assertThat(p.payloadText()).isEqualTo("v31 gone");
            assertThat(p.qos()).isEqualTo(1);
            watcher.send(Packets.puback(p.packetId()));
        }
        try (RawClient late = Raw.v31(broker.port(), "v31-late")) {
            Raw.subscribe(late, Packets.V31, 1, "v31/will", 0);
            Received.Publish retained = Raw.publish(late);
            assertThat(retained.retain()).isTrue();
            late.send(Packets.publish(Packets.V31, "v31/will", 0, true, false, 0, new byte[0], new byte[0]));
        }
    }

    @Test
    @Conformance({"v31:MQTT-3.1.2-4", "v31:MQTT-3.2.2-2"})
    void v31PersistentSessionIsResumed() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V31, "v31-persist").cleanStart(false))) {
            Raw.subscribe(c, Packets.V31, 1, "v31/persist", 1);
        }
        try (RawClient pub = Raw.v31(broker.port(), "v31-persist-pub")) {
            pub.send(Packets.publish(Packets.V31, "v31/persist", 1, 1, "kept"));
            pub.expect(Received.PUBACK);
        }
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(Packets.connect(Packets.V31, "v31-persist").cleanStart(false).build());
            // MQTT 3.1 has no session present flag: the first CONNACK byte is reserved, 0
            assertThat(c.receive().raw()).isEqualTo(hex("20 02 00 00"));
            Received.Publish p = Raw.publish(c);
            assertThat(p.payloadText()).isEqualTo("kept");
            c.send(Packets.puback(p.packetId()));
            c.send(Packets.disconnect());
        }
        try (RawClient c = Raw.v31(broker.port(), "v31-persist")) {
            c.send(Packets.disconnect()); // clean session: the stored one is gone
        }
    }
}
