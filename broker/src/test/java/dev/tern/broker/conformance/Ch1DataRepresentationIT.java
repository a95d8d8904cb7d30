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

import static dev.tern.testkit.Wire.concat;
import static dev.tern.testkit.Wire.hex;
import static dev.tern.testkit.Wire.packet;
import static dev.tern.testkit.Wire.u16;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chapter 1, data representation: UTF-8 strings (well-formed, no surrogates, no U+0000, BOM kept
 * as it is), string pairs and variable byte integers, in both directions.
 */
class Ch1DataRepresentationIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    /** Ill-formed UTF-8 forms: a lone continuation byte, an overlong '/', a surrogate, a truncated sequence, above U+10FFFF. */
    @ParameterizedTest
    @ValueSource(strings = {"61 80 62", "61 c0 af", "61 ed a0 80", "61 e2 82", "61 f4 90 80 80"})
    @Conformance({"v311:MQTT-1.5.3-1", "v311:MQTT-3.3.2-1", "v311:MQTT-4.8.0-1"})
    void v311IllFormedUtf8TopicClosesTheConnection(String topicHex) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = Raw.v311(broker.port(), "utf8-bad-311")) {
            c.send(packet(0x30, Wire.binary(hex(topicHex)), Raw.utf8("x")));
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"61 80 62", "61 c0 af", "61 ed a0 80", "61 e2 82", "61 f4 90 80 80"})
    @Conformance({"v5:MQTT-1.5.4-1", "v5:MQTT-3.3.2-1", "v5:MQTT-4.13.1-1"})
    void v5IllFormedUtf8TopicIsMalformed(String topicHex) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = Raw.v5(broker.port(), "utf8-bad-5")) {
            c.send(packet(0x30, Wire.binary(hex(topicHex)), Props.none(), Raw.utf8("x")));
            Raw.expectDisconnect(c, 0x81);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v311:MQTT-1.5.3-1", "v311:MQTT-3.8.3-1"})
    void v311SurrogateInTopicFilterClosesTheConnection() {
        try (RawClient c = Raw.v311(broker.port(), "utf8-filter-311")) {
            c.send(packet(0x82, u16(1), Wire.binary(hex("61 2f ed bf bf")), new byte[]{1}));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-1.5.4-1", "v5:MQTT-3.8.3-1"})
    void v5SurrogateInTopicFilterIsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "utf8-filter-5")) {
            c.send(packet(0x82, u16(1), Props.none(), Wire.binary(hex("61 2f ed bf bf")), new byte[]{1}));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-1.5.3-1", "v311:MQTT-3.10.3-1"})
    void v311IllFormedUtf8InUnsubscribeClosesTheConnection() {
        try (RawClient c = Raw.v311(broker.port(), "utf8-unsub-311")) {
            c.send(packet(0xA2, u16(1), Wire.binary(hex("c3 28"))));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-1.5.4-1", "v5:MQTT-3.10.3-1"})
    void v5IllFormedUtf8InUnsubscribeIsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "utf8-unsub-5")) {
            c.send(packet(0xA2, u16(1), Props.none(), Wire.binary(hex("c3 28"))));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-1.5.3-2", "v311:MQTT-4.7.3-2", "v311:MQTT-4.8.0-1"})
    void v311NullCharacterInTopicClosesTheConnection() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = Raw.v311(broker.port(), "nul-311")) {
            c.send(packet(0x30, Wire.binary(hex("61 00 62")), Raw.utf8("x")));
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v5:MQTT-1.5.4-2", "v5:MQTT-4.7.3-2"})
    void v5NullCharacterInTopicIsMalformed() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port());
             RawClient c = Raw.v5(broker.port(), "nul-5")) {
            c.send(packet(0x30, Wire.binary(hex("61 00 62")), Props.none(), Raw.utf8("x")));
            Raw.expectDisconnect(c, 0x81);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v311:MQTT-1.5.3-2", "v311:MQTT-3.1.3-4", "v311:MQTT-3.1.4-1"})
    void v311NullCharacterInClientIdClosesWithoutConnack() {
        try (RawClient c = RawClient.connect(broker.port())) {
            byte[] variable = concat(Wire.utf8("MQTT"), new byte[]{4, 2}, u16(60));
            c.send(packet(0x10, variable, Wire.binary(hex("61 00 62"))));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-1.5.4-2", "v5:MQTT-3.1.3-4", "v5:MQTT-3.1.4-1", "v5:MQTT-3.2.2-7"})
    void v5NullCharacterInClientIdIsRefusedAsMalformed() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.v5(true);
            byte[] variable = concat(Wire.utf8("MQTT"), new byte[]{5, 2}, u16(60), Props.none());
            c.send(packet(0x10, variable, Wire.binary(hex("61 00 62"))));
            Raw.expectRefused(c, 0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-1.5.3-1", "v311:MQTT-3.1.3-11", "v311:MQTT-3.1.4-1"})
    void v311IllFormedUserNameClosesWithoutConnack() {
        try (RawClient c = RawClient.connect(broker.port())) {
            byte[] variable = concat(Wire.utf8("MQTT"), new byte[]{4, (byte) 0x82}, u16(60));
            c.send(packet(0x10, variable, Wire.utf8("user-bad"), Wire.binary(hex("75 ff"))));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-1.5.4-1", "v5:MQTT-3.1.3-12", "v5:MQTT-3.1.4-1"})
    void v5IllFormedUserNameIsRefusedAsMalformed() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.v5(true);
            byte[] variable = concat(Wire.utf8("MQTT"), new byte[]{5, (byte) 0x82}, u16(60), Props.none());
            c.send(packet(0x10, variable, Wire.utf8("user-bad-5"), Wire.binary(hex("75 ff"))));
            Raw.expectRefused(c, 0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-1.5.3-1", "v311:MQTT-3.1.3-10", "v311:MQTT-3.1.4-1"})
    void v311IllFormedWillTopicClosesWithoutConnack() {
        try (RawClient c = RawClient.connect(broker.port())) {
            byte[] variable = concat(Wire.utf8("MQTT"), new byte[]{4, 0x06}, u16(60));
            c.send(packet(0x10, variable, Wire.utf8("will-bad"), Wire.binary(hex("77 ed a0 80")), Wire.utf8("bye")));
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-1.5.4-1", "v5:MQTT-3.1.3-11", "v5:MQTT-3.1.4-1"})
    void v5IllFormedWillTopicIsRefusedAsMalformed() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.v5(true);
            byte[] variable = concat(Wire.utf8("MQTT"), new byte[]{5, 0x06}, u16(60), Props.none());
            c.send(packet(0x10, variable, Wire.utf8("will-bad-5"), Props.none(), Wire.binary(hex("77 ed a0 80")),
                Wire.utf8("bye")));
            Raw.expectRefused(c, 0x81);
        }
    }

    @Test
    @Conformance({"v5:MQTT-1.5.7-1", "v5:MQTT-1.5.4-1"})
    void v5IllFormedUserPropertyIsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "pair-bad")) {
            byte[] props = Props.of().raw(concat(new byte[]{0x26}, Wire.utf8("name"), Wire.binary(hex("76 c0 80")))).build();
            c.send(Raw.publish5("pair/bad", 0, false, 0, props, "x"));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    @Test
    @Conformance({"v5:MQTT-1.5.7-1", "v5:MQTT-1.5.4-2"})
    void v5NullCharacterInUserPropertyNameIsMalformed() {
        try (RawClient c = Raw.v5(broker.port(), "pair-nul")) {
            byte[] props = Props.of().raw(concat(new byte[]{0x26}, Wire.binary(hex("6e 00")), Wire.utf8("v"))).build();
            c.send(Raw.publish5("pair/nul", 0, false, 0, props, "x"));
            Raw.expectDisconnect(c, 0x81);
        }
    }

    /** The BOM is a character like any other: kept in the topic, and not equal to its absence. */
    @Test
    @Conformance({"v311:MQTT-1.5.3-3", "v311:MQTT-4.7.3-4"})
    void v311ByteOrderMarkIsNeitherSkippedNorStripped() {
        String bomTopic = "\uFEFFbom/311";
        try (RawClient withBom = Raw.v311(broker.port(), "bom-311-a");
             RawClient without = Raw.v311(broker.port(), "bom-311-b");
             RawClient pub = Raw.v311(broker.port(), "bom-311-p")) {
            Raw.subscribe(withBom, Packets.V311, 1, bomTopic, 0);
            Raw.subscribe(without, Packets.V311, 1, "bom/311", 0);
            pub.send(Packets.publish(Packets.V311, bomTopic, 0, 0, "with bom"));
            Received r = withBom.expect(Received.PUBLISH);
            assertThat(r.body()).startsWith(concat(u16(10), hex("ef bb bf"), Raw.utf8("bom/311")));
            without.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v5:MQTT-1.5.4-3", "v5:MQTT-4.7.3-4"})
    void v5ByteOrderMarkIsNeitherSkippedNorStripped() {
        String bomTopic = "\uFEFFbom/5";
        try (RawClient withBom = Raw.v5(broker.port(), "bom-5-a");
             RawClient without = Raw.v5(broker.port(), "bom-5-b")) {
            Raw.subscribe(withBom, Packets.V5, 1, bomTopic, 0);
            Raw.subscribe(without, Packets.V5, 1, "bom/5", 0);
            without.send(Raw.publish5(bomTopic, 0, false, 0, Props.none(), "with bom"));
            Received r = withBom.expect(Received.PUBLISH);
            assertThat(r.body()).startsWith(concat(u16(8), hex("ef bb bf"), Raw.utf8("bom/5")));
            assertThat(r.publish().topic()).isEqualTo(bomTopic);
            without.expectNothing(Raw.QUIET);
        }
    }

    /** Unicode normalisation would make these two spellings of "café" one topic; MQTT forbids it. */
    @Test
    @Conformance({"v5:MQTT-4.7.3-4"})
    void v5TopicsAreNotNormalised() {
        try (RawClient c = Raw.v5(broker.port(), "nfc-nfd")) {
            Raw.subscribe(c, Packets.V5, 1, "caf\u00e9/nfc", 0);
            c.send(Raw.publish5("cafe\u0301/nfc", 0, false, 0, Props.none(), "decomposed"));
            c.expectNothing(Raw.QUIET);
            c.send(Raw.publish5("caf\u00e9/nfc", 0, false, 0, Props.none(), "composed"));
            assertThat(Raw.publish(c).payloadText()).isEqualTo("composed");
        }
    }

    /** 127 fits one byte of remaining length, 128 needs two ("80 01"), 16384 three ("80 80 01"). */
    @Test
    @Conformance({"v5:MQTT-1.5.5-1"})
    void v5ServerEncodesRemainingLengthInTheFewestBytes() {
        try (RawClient c = Raw.v5(broker.port(), "varint")) {
            Raw.subscribe(c, Packets.V5, 1, "vbi", 0);
            // PUBLISH QoS 0 body: topic (2 + 3), property length (1), payload
            int[] remaining = {127, 128, 16383, 16384};
            String[] encoded = {"7f", "80 01", "ff 7f", "80 80 01"};
            for (int i = 0; i < remaining.length; i++) {
                c.send(Raw.publish5("vbi", 0, false, 0, Props.none(), "x".repeat(remaining[i] - 6)));
                byte[] raw = c.expect(Received.PUBLISH).raw();
                byte[] header = hex("30 " + encoded[i]);
                assertThat(raw).startsWith(header);
                assertThat(raw).hasSize(header.length + remaining[i]);
            }
        }
    }

    @Test
    @Conformance({"v311:MQTT-1.5.3-1"})
    void v311ServerSendsWellFormedUtf8Topics() {
        String topic = "\u00e9t\u00e9/\u65e5\u672c/\ud83d\ude00";
        try (RawClient c = Raw.v311(broker.port(), "utf8-out-311")) {
            Raw.subscribe(c, Packets.V311, 1, topic, 0);
            c.send(Packets.publish(Packets.V311, topic, 0, 0, "x"));
            Received r = c.expect(Received.PUBLISH);
            assertThat(r.body()).startsWith(Wire.utf8(topic));
        }
    }
}
