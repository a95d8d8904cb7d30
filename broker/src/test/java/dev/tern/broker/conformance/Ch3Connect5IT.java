package dev.tern.broker.conformance;

import dev.tern.broker.Broker;
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

import java.util.List;

import static dev.tern.testkit.Wire.concat;
import static dev.tern.testkit.Wire.hex;
import static dev.tern.testkit.Wire.packet;
import static dev.tern.testkit.Wire.u16;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sections 3.1 and 3.2 for MQTT 5: CONNECT validation (CONNACK 0x81 / 0x82 and close), client
 * identifiers and Assigned Client Identifier, the CONNACK flags, reason codes and properties,
 * authentication methods, and request / problem information.
 */
class Ch3Connect5IT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    /** CONNECT for MQTT 5 with the given flags, properties and payload fields (no validation). */
    private static byte[] connect5(int flags, byte[] props, byte[]... payload) {
        return packet(0x10, concat(Wire.utf8("MQTT"), new byte[]{5, (byte) flags}, u16(60), props), concat(payload));
    }

    private static RawClient raw() {
        return RawClient.connect(broker.port()).v5(true);
    }

    @Test
    @Conformance({"v5:MQTT-3.1.4-5", "v5:MQTT-3.2.0-1", "v5:MQTT-3.2.2-1", "v5:MQTT-3.2.2-2", "v5:MQTT-3.2.2-8",
        "v5:MQTT-3.1.3-3", "v5:MQTT-4.2.0-1", "v5:MQTT-4.12.0-6", "v5:MQTT-3.2.2-22"})
    void v5ValidConnectGetsConnackSuccess() {
        try (RawClient c = raw()) {
            c.send("10 11 00 04 4d 51 54 54 05 02 00 3c 00 00 04 63 6c 69 35");
            Received r = c.receive();
            assertThat(r.flags()).isZero();
            Received.ConnAck ack = r.connack();
            assertThat(r.body()[0]).as("connect acknowledge flags").isZero();
            assertThat(ack.reasonCode()).isZero();
            assertThat(ack.properties().has(Props.AUTHENTICATION_METHOD)).isFalse();
            assertThat(ack.properties().has(Props.ASSIGNED_CLIENT_IDENTIFIER)).isFalse();
            // keep-alive 60 is within the server's limit: no Server Keep Alive, the client's value holds
            assertThat(ack.properties().has(Props.SERVER_KEEP_ALIVE)).isFalse();
            c.send(Packets.pingreq());
            assertThat(c.expect(Received.PINGRESP).raw()).isEqualTo(hex("d0 00"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"c0 00", "30 06 00 01 61 00 68 69", "e0 00", "f0 00"})
    @Conformance({"v5:MQTT-3.1.0-1", "v5:MQTT-3.14.0-1"})
    void v5FirstPacketOtherThanConnectClosesTheConnection(String first) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = raw()) {
            c.send(first);
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.0-2", "v5:MQTT-3.2.0-2", "v5:MQTT-4.13.1-1", "v5:MQTT-3.14.2-2"})
    void v5SecondConnectIsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "second-5")) {
            c.send(Packets.connect(Packets.V5, "second-5").build());
            Raw.expectDisconnect(c, 0x82);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-1", "v5:MQTT-3.1.4-1"})
    void v5WrongProtocolNameClosesTheConnection() {
        try (RawClient c = raw()) {
            c.send(packet(0x10, concat(Wire.utf8("MQTT5"), new byte[]{5, 2}, u16(60), Props.none()), Wire.utf8("bad")));
            List<Received> got = c.expectClosed();
            // the server may reveal itself with CONNACK 0x84; nothing else may come
            assertThat(got).allSatisfy(r -> assertThat(r.connack().reasonCode()).isEqualTo(0x84));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {6, 7, 0x85})
    @Conformance({"v5:MQTT-3.1.2-2"})
    void v5UnsupportedProtocolVersionClosesAfterAnOptionalConnack(int level) {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(packet(0x10, concat(Wire.utf8("MQTT"), new byte[]{(byte) level, 2}, u16(60), Props.none()),
                Wire.utf8("bad-version")));
            List<Received> got = c.expectClosed();
            assertThat(got).hasSizeLessThanOrEqualTo(1);
            // either the 3.1.1 form 20 02 00 01 every client reads, or MQTT 5's 0x84
            assertThat(got).allSatisfy(r -> assertThat(r.raw()).satisfiesAnyOf(
                raw -> assertThat(raw).isEqualTo(hex("20 02 00 01")),
                raw -> assertThat(raw).startsWith(hex("20 03 00 84"))));
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-3", "v5:MQTT-3.1.4-1", "v5:MQTT-3.2.2-6", "v5:MQTT-3.2.2-7", "v5:MQTT-4.13.2-1",
        "v5:MQTT-3.14.0-1"})
    void v5ReservedConnectFlagIsMalformed() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = raw()) {
            c.send(connect5(0x03, Props.none(), Wire.utf8("reserved-5")));
            Raw.expectRefused(c, 0x81);
            other.assertUnaffected();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0x0A, 0x12, 0x22})
    @Conformance({"v5:MQTT-3.1.2-11", "v5:MQTT-3.1.2-13", "v5:MQTT-3.1.4-1"})
    void v5WillQosOrRetainWithoutWillFlagIsMalformed(int flags) {
        try (RawClient c = raw()) {
            c.send(connect5(flags, Props.none(), Wire.utf8("no-will-5")));
            Raw.expectRefused(c, 0x81);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-12", "v5:MQTT-3.1.4-1"})
    void v5WillQos3IsMalformed() {
        try (RawClient c = raw()) {
            c.send(connect5(0x1E, Props.none(), Wire.utf8("will-qos3-5"), Props.none(), Wire.utf8("w/t"), Wire.utf8("bye")));
            Raw.expectRefused(c, 0x81);
        }
    }

    /** MQTT 5 allows a password without a user name. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-16", "v5:MQTT-3.1.2-19"})
    void v5PasswordWithoutUserNameIsAccepted() {
        try (RawClient c = raw()) {
            c.send(connect5(0x42, Props.none(), Wire.utf8("pw-only-5"), Wire.utf8("secret")));
            assertThat(c.receive().connack().reasonCode()).isZero();
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-9", "v5:MQTT-3.1.2-17", "v5:MQTT-3.1.2-19", "v5:MQTT-3.1.4-1"})
    void v5MissingAnnouncedFieldIsMalformed() {
        byte[][] connects = {
            connect5(0x06, Props.none(), Wire.utf8("no-will-props")),
            connect5(0x06, Props.none(), Wire.utf8("no-will-topic"), Props.none()),
            connect5(0x06, Props.none(), Wire.utf8("no-will-payload"), Props.none(), Wire.utf8("w/t")),
            connect5(0x82, Props.none(), Wire.utf8("no-user")),
            connect5(0xC2, Props.none(), Wire.utf8("no-password"), Wire.utf8("user")),
        };
        for (byte[] connect : connects) {
            try (RawClient c = raw()) {
                c.send(connect);
                Raw.expectRefused(c, 0x81);
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-16", "v5:MQTT-3.1.2-18", "v5:MQTT-3.1.4-1"})
    void v5UnannouncedFieldIsMalformed() {
        byte[][] connects = {
            connect5(0x02, Props.none(), Wire.utf8("extra-user-5"), Wire.utf8("user")),
            connect5(0x82, Props.none(), Wire.utf8("extra-pw-5"), Wire.utf8("user"), Wire.utf8("secret")),
        };
        for (byte[] connect : connects) {
            try (RawClient c = raw()) {
                c.send(connect);
                Raw.expectRefused(c, 0x81);
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.3-1", "v5:MQTT-3.1.2-9", "v5:MQTT-3.1.2-17", "v5:MQTT-3.1.2-19", "v5:MQTT-3.1.3-11",
        "v5:MQTT-3.1.3-12"})
    void v5ConnectWithEveryFieldInOrderIsAccepted() {
        try (RawClient c = raw()) {
            byte[] willProps = Props.of().u32(Props.WILL_DELAY_INTERVAL, 0).build();
            c.send(connect5(0xEE, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 0).build(), Wire.utf8("all-fields-5"),
                willProps, Wire.utf8("all/will5"), Wire.utf8("bye"), Wire.utf8("user"), Wire.utf8("secret")));
            assertThat(c.receive().connack().reasonCode()).isZero();
        }
    }

    /** Properties that break their own rules make the CONNECT a protocol error. */
    @Test
    @Conformance({"v5:MQTT-3.1.4-1", "v5:MQTT-3.2.2-8"})
    void v5InvalidConnectPropertiesAreAProtocolError() {
        byte[][] props = {
            Props.of().u16(Props.RECEIVE_MAXIMUM, 0).build(),
            Props.of().u32(Props.MAXIMUM_PACKET_SIZE, 0).build(),
            Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 1).u32(Props.SESSION_EXPIRY_INTERVAL, 2).build(),
            Props.of().u8(Props.REQUEST_PROBLEM_INFORMATION, 2).build(),
            Props.of().u8(Props.REQUEST_RESPONSE_INFORMATION, 2).build(),
            Props.of().u8(Props.PAYLOAD_FORMAT_INDICATOR, 1).build(),
        };
        for (byte[] p : props) {
            try (RawClient c = raw()) {
                c.send(connect5(0x02, p, Wire.utf8("bad-props")));
                Raw.expectRefused(c, 0x82);
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.4-1", "v5:MQTT-3.1.2-9"})
    void v5PropertyNotAllowedInTheWillIsAProtocolError() {
        try (RawClient c = raw()) {
            byte[] willProps = Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 5).build();
            c.send(connect5(0x06, Props.none(), Wire.utf8("bad-will-props"), willProps, Wire.utf8("w/t"), Wire.utf8("x")));
            Raw.expectRefused(c, 0x82);
        }
    }

    /** Data sent behind a refused CONNECT is not processed. */
    @Test
    @Conformance({"v5:MQTT-3.1.4-6"})
    void v5NothingAfterARefusedConnectIsProcessed() {
        try (RawClient watcher = Raw.v5(broker.port(), "refused-watch-5"); RawClient c = raw()) {
            Raw.subscribe(watcher, Packets.V5, 1, "refused5/after", 0);
            byte[] refused = connect5(0x03, Props.none(), Wire.utf8("refused-5"));
            c.send(concat(refused, Raw.publish5("refused5/after", 0, false, 0, Props.none(), "must not arrive")));
            Raw.expectRefused(c, 0x81);
            watcher.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.3-5", "v5:MQTT-3.1.3-4"})
    void v5ClientIdentifiersOfOneTo23AlphanumericsAreAccepted() {
        for (String id : new String[]{"a", "Z9", "abcdefghijklmnopqrstuvw", "0123456789ABCDEFGHIJKLM"}) {
            try (RawClient c = RawClient.connect(broker.port())) {
                Received.ConnAck ack = c.connectV5(id);
                assertThat(ack.properties().has(Props.ASSIGNED_CLIENT_IDENTIFIER)).isFalse();
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.3-6", "v5:MQTT-3.1.3-7", "v5:MQTT-3.2.2-16", "v5:MQTT-3.1.3-2"})
    void v5EmptyClientIdentifierGetsAUniqueAssignedOne() {
        try (RawClient a = RawClient.connect(broker.port()); RawClient b = RawClient.connect(broker.port())) {
            String idA = a.connectV5("").properties().string(Props.ASSIGNED_CLIENT_IDENTIFIER);
            String idB = b.connectV5("").properties().string(Props.ASSIGNED_CLIENT_IDENTIFIER);
            assertThat(idA).isNotEmpty();
            assertThat(idB).isNotEmpty().isNotEqualTo(idA);
            // the assigned identifier names the session: a second connection with it takes it over
            try (RawClient again = Raw.v5(broker.port(), idA)) {
                Raw.expectDisconnect(a, 0x8E);
                again.send(Packets.pingreq());
                again.expect(Received.PINGRESP);
            }
        }
    }

    /** MQTT 5 drops 3.1.1's rule: an empty identifier with Clean Start 0 is accepted and assigned. */
    @Test
    @Conformance({"v5:MQTT-3.1.3-6", "v5:MQTT-3.1.3-7", "v5:MQTT-3.2.2-16"})
    void v5EmptyClientIdentifierWithoutCleanStartIsAccepted() {
        try (RawClient c = RawClient.connect(broker.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "").cleanStart(false));
            assertThat(ack.sessionPresent()).isFalse();
            assertThat(ack.properties().string(Props.ASSIGNED_CLIENT_IDENTIFIER)).isNotEmpty();
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.3-8", "v5:MQTT-3.2.2-6", "v5:MQTT-3.2.2-7"})
    void v5RejectedClientIdentifierGetsReasonCode0x85() {
        try (Broker b = Raw.broker(m -> m.maxClientIdLength(8)); RawClient c = RawClient.connect(b.port())) {
            c.v5(true).send(Packets.connect(Packets.V5, "longer-than-eight").build());
            Raw.expectRefused(c, 0x85);
        }
    }

    /** Even the successful CONNACK with its capabilities and an Assigned Client Identifier fits a 64-byte maximum. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-24", "v5:MQTT-3.1.3-7"})
    void v5ConnackFitsTheClientsMaximumPacketSize() {
        try (RawClient c = raw()) {
            c.send(Packets.connect(Packets.V5, "").props(Props.of().u32(Props.MAXIMUM_PACKET_SIZE, 64).build()).build());
            Received r = c.receive();
            assertThat(r.raw()).hasSizeLessThanOrEqualTo(64);
            Received.ConnAck ack = r.connack();
            assertThat(ack.reasonCode()).isZero();
            assertThat(ack.properties().string(Props.ASSIGNED_CLIENT_IDENTIFIER)).isNotEmpty();
        }
    }

    // --- authentication -------------------------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-4.12.0-1", "v5:MQTT-3.1.4-2", "v5:MQTT-3.2.2-7"})
    void v5UnsupportedAuthenticationMethodIsRefused() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = raw()) {
            c.send(Packets.connect(Packets.V5, "auth-method")
                .props(Props.of().string(Props.AUTHENTICATION_METHOD, "SCRAM-SHA-1").build()).build());
            Received.ConnAck ack = Raw.expectRefused(c, 0x8C);
            assertThat(ack.properties().has(Props.AUTHENTICATION_METHOD)).isFalse();
            other.assertUnaffected();
        }
    }

    /** Section 3.1.2.11.10: Authentication Data without an Authentication Method is a Protocol Error. */
    @Test
    void v5AuthenticationDataWithoutAMethodIsRefusedWith0x82() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = raw()) {
            c.send(Packets.connect(Packets.V5, "auth-data-only")
                .props(Props.of().binary(Props.AUTHENTICATION_DATA, new byte[]{1, 2, 3}).build()).build());
            Raw.expectRefused(c, 0x82);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.12.0-7", "v5:MQTT-4.12.0-6", "v5:MQTT-4.13.1-1"})
    void v5AuthWithoutAnAuthenticationMethodIsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "auth-stray")) {
            c.send(packet(0xF0, new byte[]{0x19}, Props.of().string(Props.AUTHENTICATION_METHOD, "X").build()));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.15.2-1", "v5:MQTT-4.13.1-1"})
    void v5AuthWithAnUndefinedReasonCodeIsRejected() {
        try (RawClient c = Raw.v5(broker.port(), "auth-bad-rc")) {
            c.send(packet(0xF0, new byte[]{0x42}, Props.none()));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    // --- request / problem information ----------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-3.1.2-28"})
    void v5NoResponseInformationUnlessRequested() {
        try (RawClient c = RawClient.connect(broker.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "resp-info-0")
                .props(Props.of().u8(Props.REQUEST_RESPONSE_INFORMATION, 0).build()));
            assertThat(ack.properties().has(Props.RESPONSE_INFORMATION)).isFalse();
        }
        try (RawClient c = RawClient.connect(broker.port())) {
            Received.ConnAck ack = c.connectV5("resp-info-absent");
            assertThat(ack.properties().has(Props.RESPONSE_INFORMATION)).isFalse();
        }
    }

    /** With Request Problem Information 0 acknowledgements carry no Reason String or User Property. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-29"})
    void v5NoProblemInformationWhenTheClientAsksForNone() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.connect(Packets.connect(Packets.V5, "problem-info-0")
                .props(Props.of().u8(Props.REQUEST_PROBLEM_INFORMATION, 0).build()));
            c.send(Raw.publish5("problem/none", 1, false, 1, Props.none(), "x"));
            Received.Ack puback = c.expect(Received.PUBACK).ack();
            assertThat(puback.reasonCode()).isEqualTo(0x10);
            assertThat(puback.properties().asMap()).isEmpty();
            c.send(Packets.subscribe(Packets.V5, 2, Props.none(), Packets.sub("bad/#/filter", 0)));
            Received.SubAck suback = c.expect(Received.SUBACK).suback();
            assertThat(suback.reasonCodes()).containsExactly(0x8F);
            assertThat(suback.properties().asMap()).isEmpty();
            c.send(Packets.unsubscribe(Packets.V5, 3, "never/subscribed"));
            Received.SubAck unsuback = c.expect(Received.UNSUBACK).suback();
            assertThat(unsuback.reasonCodes()).containsExactly(0x11);
            assertThat(unsuback.properties().asMap()).isEmpty();
            c.send(Packets.pubrel(77));
            Received.Ack pubcomp = c.expect(Received.PUBCOMP).ack();
            assertThat(pubcomp.reasonCode()).isEqualTo(0x92);
            assertThat(pubcomp.properties().asMap()).isEmpty();
        }
    }

    // --- session present ------------------------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-3.1.2-4", "v5:MQTT-3.1.2-5", "v5:MQTT-3.1.2-6", "v5:MQTT-3.2.2-2", "v5:MQTT-3.2.2-3",
        "v5:MQTT-3.1.4-4", "v5:MQTT-3.1.2-23", "v5:MQTT-3.1.3-2"})
    void v5CleanStartAndSessionPresent() {
        Packets.Connect keep = Packets.connect(Packets.V5, "present-5").cleanStart(false)
            .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).build());
        try (RawClient c = RawClient.connect(broker.port())) {
            assertThat(c.connect(keep).sessionPresent()).as("no session yet").isFalse();
            Raw.subscribe(c, Packets.V5, 1, "present/5", 1);
            c.send(Packets.disconnect());
        }
        try (RawClient c = RawClient.connect(broker.port())) {
            assertThat(c.connect(keep).sessionPresent()).as("session kept").isTrue();
            // the subscription came back with the session
            c.send(Raw.publish5("present/5", 0, false, 0, Props.none(), "still subscribed"));
            assertThat(Raw.publish(c).payloadText()).isEqualTo("still subscribed");
            c.send(Packets.disconnect());
        }
        Packets.Connect clean = Packets.connect(Packets.V5, "present-5").cleanStart(true)
            .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).build());
        try (RawClient c = RawClient.connect(broker.port())) {
            assertThat(c.connect(clean).sessionPresent()).as("clean start discards").isFalse();
            c.send(Raw.publish5("present/5", 0, false, 0, Props.none(), "nobody listens"));
            c.expectNothing(Raw.QUIET);
            c.send(Packets.disconnect(0, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 0).build()));
        }
    }

    // --- Maximum Packet Size of the client and reason strings -----------------------------------

    /** A refusal's Reason String is left out when it would exceed the client's Maximum Packet Size. */
    @Test
    @Conformance({"v5:MQTT-3.2.2-19", "v5:MQTT-3.2.2-20", "v5:MQTT-3.1.2-24"})
    void v5RefusalFitsTheClientsMaximumPacketSize() {
        try (RawClient c = raw()) {
            c.send(Packets.connect(Packets.V5, "tiny-refused")
                .props(Props.of().u32(Props.MAXIMUM_PACKET_SIZE, 16)
                    .string(Props.AUTHENTICATION_METHOD, "UNKNOWN").build()).build());
            List<Received> got = c.expectClosed();
            assertThat(got).hasSize(1);
            assertThat(got.get(0).raw().length).isLessThanOrEqualTo(16);
            Received.ConnAck ack = got.get(0).connack();
            assertThat(ack.reasonCode()).isEqualTo(0x8C);
            assertThat(ack.properties().has(Props.USER_PROPERTY)).isFalse();
        }
    }
}
