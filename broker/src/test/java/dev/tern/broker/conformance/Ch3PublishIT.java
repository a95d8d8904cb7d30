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

import static dev.tern.testkit.Wire.packet;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 3.3, PUBLISH, for both versions: the answer each QoS gets, topic names, the DUP flag,
 * and retained messages (store, replace, clear, RETAIN on delivery).
 */
class Ch3PublishIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    private static byte[] pub(int version, String topic, int qos, boolean retain, int packetId, String payload) {
        return Packets.publish(version, topic, qos, retain, false, packetId, Props.none(), Raw.utf8(payload));
    }

    private static RawClient client(int version, String id) {
        return version == Packets.V5 ? Raw.v5(broker.port(), id) : Raw.v311(broker.port(), id);
    }

    // --- answers per QoS ------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.3.4-1", "v5:MQTT-3.3.4-1", "v5:MQTT-4.3.2-4", "v5:MQTT-4.3.3-8", "v5:MQTT-4.3.3-11",
        "v311:MQTT-4.3.2-2", "v311:MQTT-4.3.3-2", "v5:MQTT-3.4.2-1", "v5:MQTT-3.5.2-1", "v5:MQTT-3.7.2-1"})
    void eachQosGetsItsAnswer(int version) {
        try (RawClient c = client(version, "answers-" + version)) {
            c.send(pub(version, "answers/" + version, 0, false, 0, "q0"));
            c.send(pub(version, "answers/" + version, 1, false, 11, "q1"));
            Received.Ack puback = c.expect(Received.PUBACK).ack();
            assertThat(puback.packetId()).isEqualTo(11);
            c.send(pub(version, "answers/" + version, 2, false, 12, "q2"));
            assertThat(c.expect(Received.PUBREC).ack().packetId()).isEqualTo(12);
            c.send(Packets.pubrel(12));
            Received.Ack pubcomp = c.expect(Received.PUBCOMP).ack();
            assertThat(pubcomp.packetId()).isEqualTo(12);
            assertThat(pubcomp.reasonCode()).isZero();
            // the QoS 0 PUBLISH got no answer at all
            c.expectNothing(Raw.QUIET);
        }
    }

    /** MQTT 5: a QoS 1/2 PUBLISH no one subscribes to is acknowledged with 0x10 (no matching subscribers). */
    @Test
    @Conformance({"v5:MQTT-3.4.2-1", "v5:MQTT-3.5.2-1"})
    void v5NoMatchingSubscribersReasonCode() {
        try (RawClient c = Raw.v5(broker.port(), "no-match")) {
            c.send(Raw.publish5("nobody/listens", 1, false, 1, Props.none(), "x"));
            assertThat(c.expect(Received.PUBACK).raw()).isEqualTo(Wire.hex("40 03 00 01 10"));
            c.send(Raw.publish5("nobody/listens", 2, false, 2, Props.none(), "x"));
            assertThat(c.expect(Received.PUBREC).raw()).isEqualTo(Wire.hex("50 03 00 02 10"));
            c.send(Packets.pubrel(2));
            assertThat(c.expect(Received.PUBCOMP).raw()).isEqualTo(Wire.hex("70 02 00 02"));
        }
    }

    /** After PUBACK the same packet identifier starts a new message, DUP or not. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-4.3.2-2", "v5:MQTT-4.3.2-5"})
    void qos1PacketIdentifierIsFreeAfterPuback(int version) {
        try (RawClient c = client(version, "qos1-again-" + version)) {
            Raw.subscribe(c, version, 1, "again/" + version, 0);
            for (int i = 0; i < 2; i++) {
                c.send(Packets.publish(version, "again/" + version, 1, false, i == 1, 9, Props.none(), Raw.utf8("m" + i)));
                for (int k = 0; k < 2; k++) {
                    Received r = c.receive();
                    if (r.type() == Received.PUBLISH) {
                        assertThat(r.publish().payloadText()).isEqualTo("m" + i);
                    } else {
                        assertThat(r.ack().packetId()).isEqualTo(9);
                    }
                }
            }
        }
    }

    /** A resent QoS 2 PUBLISH before PUBREL gets PUBREC again and is delivered once; after PUBCOMP the id is new. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-4.3.3-2", "v5:MQTT-4.3.3-10", "v5:MQTT-4.3.3-12", "v5:MQTT-4.3.3-11"})
    void qos2IsDeliveredExactlyOnce(int version) {
        String topic = "once/" + version;
        try (RawClient sub = client(version, "once-sub-" + version); RawClient c = client(version, "once-pub-" + version)) {
            Raw.subscribe(sub, version, 1, topic, 0);
            c.send(pub(version, topic, 2, false, 5, "first"));
            c.expect(Received.PUBREC);
            c.send(Packets.publish(version, topic, 2, false, true, 5, Props.none(), Raw.utf8("first")));
            assertThat(c.expect(Received.PUBREC).ack().packetId()).isEqualTo(5);
            c.send(Packets.pubrel(5));
            assertThat(c.expect(Received.PUBCOMP).ack().packetId()).isEqualTo(5);
            assertThat(Raw.publish(sub).payloadText()).isEqualTo("first");
            sub.expectNothing(Raw.QUIET);
            // the identifier is free again: a new message
            c.send(pub(version, topic, 2, false, 5, "second"));
            c.expect(Received.PUBREC);
            c.send(Packets.pubrel(5));
            c.expect(Received.PUBCOMP);
            assertThat(Raw.publish(sub).payloadText()).isEqualTo("second");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.3.1-3", "v5:MQTT-3.3.1-3", "v311:MQTT-4.3.2-1", "v5:MQTT-4.3.2-2"})
    void dupIsNotForwarded(int version) {
        try (RawClient sub = client(version, "dup-sub-" + version); RawClient c = client(version, "dup-pub-" + version)) {
            Raw.subscribe(sub, version, 1, "dup/" + version, 1);
            c.send(Packets.publish(version, "dup/" + version, 1, false, true, 3, Props.none(), Raw.utf8("resent")));
            c.expect(Received.PUBACK);
            Received.Publish p = Raw.publish(sub);
            assertThat(p.dup()).isFalse();
            assertThat(p.qos()).isEqualTo(1);
            sub.send(Packets.puback(p.packetId()));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.8.4-6", "v5:MQTT-3.8.4-8", "v311:MQTT-3.3.2-3", "v5:MQTT-3.3.2-3"})
    void deliveryQosIsTheMinimumOfPublishedAndGranted(int version) {
        try (RawClient sub = client(version, "minqos-sub-" + version); RawClient c = client(version, "minqos-pub-" + version)) {
            Raw.subscribe(sub, version, 1, "minqos/" + version + "/+", 1);
            c.send(pub(version, "minqos/" + version + "/two", 2, false, 1, "two"));
            c.expect(Received.PUBREC);
            c.send(Packets.pubrel(1));
            c.expect(Received.PUBCOMP);
            Received.Publish p = Raw.publish(sub);
            assertThat(p.qos()).isEqualTo(1);
            assertThat(p.topic()).isEqualTo("minqos/" + version + "/two");
            sub.send(Packets.puback(p.packetId()));
            c.send(pub(version, "minqos/" + version + "/zero", 0, false, 0, "zero"));
            assertThat(Raw.publish(sub).qos()).isZero();
        }
    }

    // --- topic names ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"a/+", "a/#", "+", "#", "a+b"})
    @Conformance({"v311:MQTT-3.3.2-2", "v311:MQTT-4.7.1-1", "v311:MQTT-4.8.0-1"})
    void v311WildcardInTopicNameClosesTheConnection(String topic) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = Raw.v311(broker.port(), "wild-311")) {
            c.send(pub(Packets.V311, topic, 0, false, 0, "x"));
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/+", "a/#", "+", "#", "a+b"})
    @Conformance({"v5:MQTT-3.3.2-2", "v5:MQTT-4.7.0-1"})
    void v5WildcardInTopicNameIsTopicNameInvalid(String topic) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = Raw.v5(broker.port(), "wild-5")) {
            c.send(pub(Packets.V5, topic, 1, false, 1, "x"));
            Raw.expectDisconnect(c, 0x90);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v311:MQTT-4.7.3-1", "v311:MQTT-3.3.2-1"})
    void v311EmptyTopicNameClosesTheConnection() {
        try (RawClient c = Raw.v311(broker.port(), "empty-topic-311")) {
            c.send(packet(0x30, Wire.utf8(""), Raw.utf8("x")));
            Raw.expectClosedSilently(c);
        }
    }

    /** MQTT 5: a zero-length topic without a Topic Alias is a protocol error. */
    @Test
    @Conformance({"v5:MQTT-4.7.3-1", "v5:MQTT-3.3.2-1"})
    void v5EmptyTopicNameWithoutAliasIsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "empty-topic-5")) {
            c.send(packet(0x30, Wire.utf8(""), Props.none(), Raw.utf8("x")));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.3.2-14", "v5:MQTT-4.13.1-1"})
    void v5ResponseTopicWithWildcardIsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "resp-wild")) {
            c.send(Raw.publish5("resp/req", 0, false, 0, Props.of().string(Props.RESPONSE_TOPIC, "resp/+").build(), "x"));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    // --- retained messages ----------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.3.1-5", "v311:MQTT-3.3.1-6", "v311:MQTT-3.3.1-8", "v311:MQTT-3.3.1-9",
        "v5:MQTT-3.3.1-5", "v5:MQTT-3.3.1-12"})
    void retainedMessageIsStoredWithItsQosAndSentToNewSubscriptions(int version) {
        String topic = "retain/store/" + version;
        try (RawClient c = client(version, "retain-store-" + version)) {
            Raw.subscribe(c, version, 1, topic, 2);
            c.send(pub(version, topic, 1, true, 1, "kept"));
            // to the established subscription: RETAIN 0 (3.1.1), or Retain As Published 0 (5)
            for (int k = 0; k < 2; k++) {
                Received r = c.receive();
                if (r.type() == Received.PUBLISH) {
                    assertThat(r.publish().retain()).isFalse();
                    c.send(Packets.puback(r.publish().packetId()));
                }
            }
        }
        try (RawClient late = client(version, "retain-late-" + version)) {
            Raw.subscribe(late, version, 1, topic, 2);
            Received.Publish p = Raw.publish(late);
            assertThat(p.retain()).isTrue();
            assertThat(p.qos()).as("the stored QoS").isEqualTo(1);
            assertThat(p.payloadText()).isEqualTo("kept");
            late.send(Packets.puback(p.packetId()));
            late.send(pub(version, topic, 0, true, 0, ""));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.3.1-7", "v5:MQTT-3.3.1-5"})
    void retainedMessageIsReplacedEvenByQos0(int version) {
        String topic = "retain/replace/" + version;
        try (RawClient c = client(version, "retain-replace-" + version)) {
            c.send(pub(version, topic, 1, true, 1, "old"));
            c.expect(Received.PUBACK);
            c.send(pub(version, topic, 0, true, 0, "new"));
            Raw.subscribe(c, version, 1, topic, 1);
            Received.Publish p = Raw.publish(c);
            assertThat(p.payloadText()).isEqualTo("new");
            assertThat(p.qos()).isZero();
            c.expectNothing(Raw.QUIET);
            c.send(pub(version, topic, 0, true, 0, ""));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.3.1-10", "v311:MQTT-3.3.1-11", "v5:MQTT-3.3.1-6", "v5:MQTT-3.3.1-7"})
    void emptyRetainedMessageIsDeliveredAndClearsTheTopic(int version) {
        String topic = "retain/clear/" + version;
        // one connection, so the broker handles the packets in the order they are sent
        try (RawClient c = client(version, "retain-clear-" + version)) {
            c.send(pub(version, topic, 0, true, 0, "to be cleared"));
            Raw.subscribe(c, version, 1, topic, 0);
            assertThat(Raw.publish(c).payloadText()).isEqualTo("to be cleared");
            c.send(pub(version, topic, 0, true, 0, ""));
            // processed normally: the established subscription gets the empty message
            Received.Publish p = Raw.publish(c);
            assertThat(p.payload()).isEmpty();
        }
        try (RawClient late = client(version, "retain-clear-late-" + version)) {
            Raw.subscribe(late, version, 1, topic, 0);
            late.expectNothing(Raw.QUIET);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.3.1-12", "v5:MQTT-3.3.1-8"})
    void nonRetainedMessageLeavesTheRetainedOneAlone(int version) {
        String topic = "retain/alone/" + version;
        try (RawClient c = client(version, "retain-alone-" + version)) {
            c.send(pub(version, topic, 0, true, 0, "retained"));
            c.send(pub(version, topic, 0, false, 0, "not retained"));
            c.send(pub(version, topic, 0, false, 0, ""));
            Raw.subscribe(c, version, 1, topic, 0);
            Received.Publish p = Raw.publish(c);
            assertThat(p.payloadText()).isEqualTo("retained");
            assertThat(p.retain()).isTrue();
            c.send(pub(version, topic, 0, true, 0, ""));
        }
        try (RawClient c = client(version, "retain-alone-2-" + version)) {
            c.send(pub(version, "retain/never/" + version, 0, false, 0, "never retained"));
            Raw.subscribe(c, version, 1, "retain/never/" + version, 0);
            c.expectNothing(Raw.QUIET);
        }
    }

    /** Every retained message under a wildcard filter, one per matching topic. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.3.1-6", "v5:MQTT-3.3.1-9"})
    void newWildcardSubscriptionGetsTheRetainedMessageOfEveryMatchingTopic(int version) {
        String base = "retain/many/" + version;
        try (RawClient c = client(version, "retain-many-" + version)) {
            for (String t : new String[]{"a", "b", "c/d"}) {
                c.send(pub(version, base + "/" + t, 0, true, 0, t));
            }
            Raw.subscribe(c, version, 1, base + "/#", 0);
            java.util.Set<String> got = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++) {
                Received.Publish p = Raw.publish(c);
                assertThat(p.retain()).isTrue();
                got.add(p.payloadText());
            }
            assertThat(got).containsExactlyInAnyOrder("a", "b", "c/d");
            for (String t : new String[]{"a", "b", "c/d"}) {
                c.send(pub(version, base + "/" + t, 0, true, 0, ""));
            }
        }
    }
}
