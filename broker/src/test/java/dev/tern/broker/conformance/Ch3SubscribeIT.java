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

import static dev.tern.testkit.Wire.hex;
import static dev.tern.testkit.Wire.packet;
import static dev.tern.testkit.Wire.u16;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sections 3.8 to 3.11, SUBSCRIBE / SUBACK and UNSUBSCRIBE / UNSUBACK for both versions, with
 * the MQTT 5 subscription options (No Local, Retain As Published, Retain Handling) and
 * subscription identifiers, overlapping subscriptions included.
 */
class Ch3SubscribeIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    private static RawClient client(int version, String id) {
        return version == Packets.V5 ? Raw.v5(broker.port(), id) : Raw.v311(broker.port(), id);
    }

    private static byte[] pub(int version, String topic, int qos, boolean retain, int packetId, String payload) {
        return Packets.publish(version, topic, qos, retain, false, packetId, Props.none(), Raw.utf8(payload));
    }

    // --- SUBACK ---------------------------------------------------------------------------------

    @Test
    @Conformance({"v311:MQTT-3.8.4-1", "v311:MQTT-3.8.4-2", "v311:MQTT-3.8.4-4", "v311:MQTT-3.8.4-5", "v311:MQTT-3.9.3-1",
        "v311:MQTT-3.9.3-2", "v311:MQTT-4.7.1-2", "v311:MQTT-4.7.1-3"})
    void v311SubackHasAReturnCodePerFilterInOrder() {
        try (RawClient c = Raw.v311(broker.port(), "suback-311")) {
            c.send(Packets.subscribe(Packets.V311, 0x0A0B, Props.none(), Packets.sub("s311/0", 0), Packets.sub("s311/#/x", 1),
                Packets.sub("s311/2", 2), Packets.sub("s311/a+", 1), Packets.sub("s311/+/1", 1), Packets.sub("s311#", 0)));
            assertThat(c.expect(Received.SUBACK).raw()).isEqualTo(hex("90 08 0a 0b 00 80 02 80 01 80"));
            // the valid ones took effect, each at its own granted QoS
            c.send(pub(Packets.V311, "s311/2", 2, false, 1, "two"));
            Received.Publish p = null;
            for (int k = 0; k < 3; k++) {
                Received r = c.receive();
                switch (r.type()) {
                    case Received.PUBREC -> c.send(Packets.pubrel(1));
                    case Received.PUBLISH -> p = r.publish();
                    default -> assertThat(r.type()).isEqualTo(Received.PUBCOMP);
                }
            }
            assertThat(p).isNotNull();
            assertThat(p.qos()).isEqualTo(2);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.8.4-1", "v5:MQTT-3.8.4-2", "v5:MQTT-3.8.4-5", "v5:MQTT-3.8.4-6", "v5:MQTT-3.8.4-7",
        "v5:MQTT-3.9.3-1", "v5:MQTT-3.9.3-2", "v5:MQTT-4.7.1-1", "v5:MQTT-4.7.1-2", "v5:MQTT-2.2.2-1"})
    void v5SubackHasAReasonCodePerFilterInOrder() {
        try (RawClient c = Raw.v5(broker.port(), "suback-5")) {
            c.send(Packets.subscribe(Packets.V5, 0x0A0B, Props.none(), Packets.sub("s5/0", 0), Packets.sub("s5/#/x", 1),
                Packets.sub("s5/2", 2), Packets.sub("s5/a+", 1), Packets.sub("s5/+/1", 1), Packets.sub("s5#", 0)));
            assertThat(c.expect(Received.SUBACK).raw()).isEqualTo(hex("90 09 0a 0b 00 00 8f 02 8f 01 8f"));
        }
    }

    /** A server that grants at most QoS 1 still accepts a request for QoS 2 and grants 1. */
    @Test
    @Conformance({"v5:MQTT-3.2.2-10", "v5:MQTT-3.8.4-7", "v5:MQTT-3.2.2-9", "v5:MQTT-3.8.4-8"})
    void v5GrantedQosIsCappedByTheServersMaximum() {
        try (Broker b = Raw.broker(m -> m.maximumQoS(1)); RawClient c = RawClient.connect(b.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "capped"));
            assertThat(ack.properties().integer(Props.MAXIMUM_QOS)).isEqualTo(1);
            c.send(Packets.subscribe(Packets.V5, 1, Props.none(), Packets.sub("cap/0", 0), Packets.sub("cap/1", 1),
                Packets.sub("cap/2", 2)));
            assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(0, 1, 1);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.8.4-5", "v311:MQTT-3.9.3-2"})
    void v311GrantedQosIsCappedByTheServersMaximum() {
        try (Broker b = Raw.broker(m -> m.maximumQoS(1)); RawClient c = Raw.v311(b.port(), "capped-311")) {
            c.send(Packets.subscribe(Packets.V311, 1, Props.none(), Packets.sub("cap/2", 2)));
            assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(1);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.8.3-2"})
    void v311WildcardsRejectedWhenTheServerDoesNotSupportThem() {
        try (Broker b = Raw.broker(m -> m.wildcardSubscriptionAvailable(false)); RawClient c = Raw.v311(b.port(), "nowild-311")) {
            c.send(Packets.subscribe(Packets.V311, 1, Props.none(), Packets.sub("w/+", 0), Packets.sub("w/x", 0),
                Packets.sub("#", 1)));
            assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(0x80, 0, 0x80);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.9.3-2"})
    void v5WildcardsRejectedWhenTheServerDoesNotSupportThem() {
        try (Broker b = Raw.broker(m -> m.wildcardSubscriptionAvailable(false)); RawClient c = RawClient.connect(b.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "nowild-5"));
            assertThat(ack.properties().integer(Props.WILDCARD_SUBSCRIPTION_AVAILABLE)).isZero();
            c.send(Packets.subscribe(Packets.V5, 1, Props.none(), Packets.sub("w/+", 0), Packets.sub("w/x", 0)));
            assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(0xA2, 0);
        }
    }

    // --- malformed SUBSCRIBE --------------------------------------------------------------------

    /** Requested QoS 3, then a reserved bit of the QoS byte. */
    @ParameterizedTest
    @ValueSource(ints = {0x03, 0x04, 0x80})
    @Conformance({"v311:MQTT-3.8.3-4", "v311:MQTT-4.8.0-1"})
    void v311BadRequestedQosByteClosesTheConnection(int options) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = Raw.v311(broker.port(), "badqos-311")) {
            c.send(packet(0x82, u16(1), Wire.utf8("bad/qos"), new byte[]{(byte) options}));
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0x03, 0x40, 0x80, 0xC1})
    @Conformance({"v5:MQTT-3.8.3-5", "v5:MQTT-4.13.1-1"})
    void v5ReservedSubscriptionOptionBitsAreMalformed(int options) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = Raw.v5(broker.port(), "badopts-5")) {
            c.send(packet(0x82, u16(1), Props.none(), Wire.utf8("bad/opts"), new byte[]{(byte) options}));
            Raw.expectDisconnect(c, 0x81);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5RetainHandling3IsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "rh3")) {
            c.send(packet(0x82, u16(1), Props.none(), Wire.utf8("bad/rh"), new byte[]{0x30}));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.8.3-3", "v311:MQTT-3.10.3-2"})
    void v311SubscribeOrUnsubscribeWithoutFiltersClosesTheConnection() {
        for (String bytes : new String[]{"82 02 00 01", "a2 02 00 01"}) {
            try (RawClient c = Raw.v311(broker.port(), "nofilter-311")) {
                c.send(bytes);
                Raw.expectClosedSilently(c);
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.8.3-2", "v5:MQTT-3.10.3-2"})
    void v5SubscribeOrUnsubscribeWithoutFiltersIsAProtocolError() {
        for (String bytes : new String[]{"82 03 00 01 00", "a2 03 00 01 00"}) {
            try (RawClient c = Raw.v5(broker.port(), "nofilter-5")) {
                c.send(bytes);
                Raw.expectDisconnect(c, 0x82);
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5SubscriptionIdentifierZeroIsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "subid0")) {
            c.send(Packets.subscribe(Packets.V5, 1, Props.of().varint(Props.SUBSCRIPTION_IDENTIFIER, 0).build(),
                Packets.sub("subid/0", 0)));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    // --- replacing a subscription ---------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.8.4-3", "v5:MQTT-3.8.4-3", "v5:MQTT-3.8.4-4"})
    void identicalFilterReplacesTheSubscriptionAndResendsRetained(int version) {
        String topic = "replace/" + version;
        try (RawClient c = client(version, "replace-" + version)) {
            c.send(pub(version, topic, 0, true, 0, "retained"));
            Raw.subscribe(c, version, 1, topic, 0);
            assertThat(Raw.publish(c).qos()).isZero();
            Raw.subscribe(c, version, 2, topic, 1);
            Received.Publish again = Raw.publish(c);
            assertThat(again.payloadText()).isEqualTo("retained");
            assertThat(again.retain()).isTrue();
            assertThat(again.qos()).as("stored at QoS 0").isZero();
            c.send(pub(version, topic, 1, false, 3, "after"));
            // one subscription, now at QoS 1: one copy
            Received.Publish p = null;
            for (int k = 0; k < 2; k++) {
                Received r = c.receive();
                if (r.type() == Received.PUBLISH) {
                    p = r.publish();
                }
            }
            assertThat(p).isNotNull();
            assertThat(p.qos()).isEqualTo(1);
            c.send(Packets.puback(p.packetId()));
            c.expectNothing(Raw.QUIET);
            c.send(pub(version, topic, 0, true, 0, ""));
        }
    }

    // --- UNSUBSCRIBE ----------------------------------------------------------------------------

    @Test
    @Conformance({"v311:MQTT-3.10.4-1", "v311:MQTT-3.10.4-2", "v311:MQTT-3.10.4-4", "v311:MQTT-3.10.4-5",
        "v311:MQTT-3.10.4-6", "v311:MQTT-2.3.1-7"})
    void v311UnsubscribeDeletesExactMatchesOnly() {
        try (RawClient c = Raw.v311(broker.port(), "unsub-311")) {
            Raw.subscribe(c, Packets.V311, 1, "u311/+", 0);
            Raw.subscribe(c, Packets.V311, 2, "u311/b", 0);
            // "u311/#" and "u311/b/" match nothing the client holds; "u311/+" does, character by character
            c.send(Packets.unsubscribe(Packets.V311, 0x0102, "u311/#", "u311/+", "u311/b/"));
            assertThat(c.expect(Received.UNSUBACK).raw()).isEqualTo(hex("b0 02 01 02"));
            c.send(pub(Packets.V311, "u311/a", 0, false, 0, "a"));
            c.send(pub(Packets.V311, "u311/b", 0, false, 0, "b"));
            assertThat(Raw.publish(c).payloadText()).isEqualTo("b");
            c.expectNothing(Raw.QUIET);
            c.send(Packets.unsubscribe(Packets.V311, 7, "never/there"));
            assertThat(c.expect(Received.UNSUBACK).raw()).isEqualTo(hex("b0 02 00 07"));
        }
    }

    /** An invalid filter cannot name a subscription: UNSUBACK 0x8F (Topic Filter invalid) for it, the rest as usual. */
    @Test
    @Conformance({"v5:MQTT-3.11.3-1", "v5:MQTT-3.11.3-2"})
    void v5UnsubscribeOfAnInvalidFilterGets0x8F() {
        try (RawClient c = Raw.v5(broker.port(), "unsub-invalid-5")) {
            Raw.subscribe(c, Packets.V5, 1, "ui5/a", 0);
            c.send(Packets.unsubscribe(Packets.V5, 9, "ui5/#/b", "ui5+", "$share/g", "ui5/a", "ui5/never"));
            assertThat(c.expect(Received.UNSUBACK).raw()).isEqualTo(hex("b0 08 00 09 00 8f 8f 8f 00 11"));
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.10.4-1", "v5:MQTT-3.10.4-2", "v5:MQTT-3.10.4-4", "v5:MQTT-3.10.4-5", "v5:MQTT-3.10.4-6",
        "v5:MQTT-3.11.3-1", "v5:MQTT-3.11.3-2", "v5:MQTT-2.2.1-6"})
    void v5UnsubscribeDeletesExactMatchesOnly() {
        try (RawClient c = Raw.v5(broker.port(), "unsub-5")) {
            Raw.subscribe(c, Packets.V5, 1, "u5/+", 0);
            Raw.subscribe(c, Packets.V5, 2, "u5/b", 0);
            c.send(Packets.unsubscribe(Packets.V5, 0x0102, "u5/#", "u5/+", "u5/b/"));
            assertThat(c.expect(Received.UNSUBACK).raw()).isEqualTo(hex("b0 06 01 02 00 11 00 11"));
            c.send(pub(Packets.V5, "u5/a", 0, false, 0, "a"));
            c.send(pub(Packets.V5, "u5/b", 0, false, 0, "b"));
            assertThat(Raw.publish(c).payloadText()).isEqualTo("b");
            c.expectNothing(Raw.QUIET);
        }
    }

    /** A QoS 2 delivery started before UNSUBSCRIBE still completes: PUBREC gets PUBREL. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.10.4-3", "v5:MQTT-3.10.4-3"})
    void unsubscribeCompletesDeliveriesAlreadyStarted(int version) {
        String topic = "unsub/inflight/" + version;
        try (RawClient sub = client(version, "unsub-inflight-" + version); RawClient pub = client(version, "unsub-pub-" + version)) {
            Raw.subscribe(sub, version, 1, topic, 2);
            pub.send(pub(version, topic, 2, false, 1, "in flight"));
            Received.Publish p = Raw.publish(sub);
            sub.send(Packets.unsubscribe(version, 2, topic));
            sub.expect(Received.UNSUBACK);
            sub.send(Packets.pubrec(p.packetId()));
            assertThat(sub.expect(Received.PUBREL).ack().packetId()).isEqualTo(p.packetId());
            sub.send(Packets.pubcomp(p.packetId()));
            pub.expect(Received.PUBREC);
            pub.send(Packets.pubrel(1));
            pub.expect(Received.PUBCOMP);
            pub.send(pub(version, topic, 1, false, 2, "after"));
            pub.expect(Received.PUBACK);
            sub.expectNothing(Raw.QUIET);
        }
    }

    // --- overlapping subscriptions and subscription identifiers ---------------------------------

    /** Paho's test_overlapping_subscriptions: one copy, at the highest QoS of the matching subscriptions. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-3.3.5-1", "v5:MQTT-3.3.4-2"})
    void overlappingSubscriptionsDeliverAtTheHighestQos(int version) {
        String base = "overlap/" + version;
        try (RawClient c = client(version, "overlap-" + version)) {
            c.send(Packets.subscribe(version, 1, Props.none(), Packets.sub(base + "/#", 2), Packets.sub(base + "/+", 1)));
            assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(2, 1);
            c.send(pub(version, base + "/x", 2, false, 5, "overlapping"));
            Received.Publish p = null;
            for (int k = 0; k < 3; k++) {
                Received r = c.receive();
                switch (r.type()) {
                    case Received.PUBREC -> c.send(Packets.pubrel(5));
                    case Received.PUBLISH -> p = r.publish();
                    default -> assertThat(r.type()).isEqualTo(Received.PUBCOMP);
                }
            }
            assertThat(p).isNotNull();
            assertThat(p.qos()).isEqualTo(2);
            c.send(Packets.pubrec(p.packetId()));
            c.expect(Received.PUBREL);
            c.send(Packets.pubcomp(p.packetId()));
            c.expectNothing(Raw.QUIET);
        }
    }

    /** Paho's test_subscribe_identifiers: one PUBLISH carrying the identifiers of every matching subscription. */
    @Test
    @Conformance({"v5:MQTT-3.3.4-3", "v5:MQTT-3.3.4-4"})
    void v5OverlappingSubscriptionsCarryAllTheirIdentifiers() {
        try (RawClient a = Raw.v5(broker.port(), "subid-a"); RawClient b = Raw.v5(broker.port(), "subid-b")) {
            Raw.subscribe5(a, 1, Props.of().varint(Props.SUBSCRIPTION_IDENTIFIER, 456789).build(), Packets.sub("subid/t", 2));
            Raw.subscribe5(b, 1, Props.of().varint(Props.SUBSCRIPTION_IDENTIFIER, 2).build(), Packets.sub("subid/t", 2));
            Raw.subscribe5(b, 2, Props.of().varint(Props.SUBSCRIPTION_IDENTIFIER, 3).build(), Packets.sub("subid/t/#", 2));
            Raw.subscribe5(b, 3, Props.none(), Packets.sub("subid/+", 0));
            b.send(Raw.publish5("subid/t", 1, false, 9, Props.none(), "sub identifier test"));
            Received.Publish pa = Raw.publish(a);
            assertThat(pa.properties().all(Props.SUBSCRIPTION_IDENTIFIER)).containsExactly(456789);
            a.send(Packets.puback(pa.packetId()));
            Received.Publish pb = null;
            for (int k = 0; k < 2; k++) {
                Received r = b.receive();
                if (r.type() == Received.PUBLISH) {
                    pb = r.publish();
                }
            }
            assertThat(pb).isNotNull();
            // the subscription without an identifier adds none
            assertThat(pb.properties().all(Props.SUBSCRIPTION_IDENTIFIER)).containsExactlyInAnyOrder(2, 3);
            b.send(Packets.puback(pb.packetId()));
            b.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.3.4-3", "v5:MQTT-3.8.4-3"})
    void v5SubscriptionIdentifierGoesWithRetainedMessagesAndIsReplaced() {
        try (RawClient c = Raw.v5(broker.port(), "subid-retained")) {
            c.send(Raw.publish5("subid/retained", 0, true, 0, Props.none(), "r"));
            Raw.subscribe5(c, 1, Props.of().varint(Props.SUBSCRIPTION_IDENTIFIER, 268435455).build(),
                Packets.sub("subid/retained", 0));
            assertThat(Raw.publish(c).properties().all(Props.SUBSCRIPTION_IDENTIFIER)).containsExactly(268435455);
            // the same filter again, without an identifier: it replaces the old subscription and its identifier
            Raw.subscribe5(c, 2, Props.none(), Packets.sub("subid/retained", 0, false, false, 2));
            c.send(Raw.publish5("subid/retained", 0, false, 0, Props.none(), "plain"));
            Received.Publish p = Raw.publish(c);
            assertThat(p.payloadText()).isEqualTo("plain");
            assertThat(p.properties().has(Props.SUBSCRIPTION_IDENTIFIER)).isFalse();
            c.send(Raw.publish5("subid/retained", 0, true, 0, Props.none(), ""));
        }
    }

    // --- subscription options -------------------------------------------------------------------

    /** Paho's noLocal test: the publisher's own subscription gets nothing, the other client does. */
    @Test
    @Conformance({"v5:MQTT-3.8.3-3"})
    void v5NoLocalSkipsThePublishersOwnConnection() {
        try (RawClient a = Raw.v5(broker.port(), "nolocal-a"); RawClient b = Raw.v5(broker.port(), "nolocal-b")) {
            Raw.subscribe5(a, 1, Props.none(), Packets.sub("nolocal/t", 2, true, false, 0));
            Raw.subscribe5(b, 1, Props.none(), Packets.sub("nolocal/t", 2, true, false, 0));
            a.send(Raw.publish5("nolocal/t", 1, false, 1, Props.none(), "noLocal test"));
            a.expect(Received.PUBACK);
            Received.Publish p = Raw.publish(b);
            assertThat(p.payloadText()).isEqualTo("noLocal test");
            b.send(Packets.puback(p.packetId()));
            a.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.8.3-4", "v5:MQTT-4.13.1-1"})
    void v5NoLocalOnASharedSubscriptionIsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "nolocal-shared")) {
            c.send(Packets.subscribe(Packets.V5, 1, Props.none(), Packets.sub("$share/g/nolocal", 0, true, false, 0)));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.3.1-12", "v5:MQTT-3.3.1-13"})
    void v5RetainAsPublished() {
        try (RawClient keep = Raw.v5(broker.port(), "rap-1"); RawClient clear = Raw.v5(broker.port(), "rap-0")) {
            Raw.subscribe5(keep, 1, Props.none(), Packets.sub("rap/t", 0, false, true, 0));
            Raw.subscribe5(clear, 1, Props.none(), Packets.sub("rap/t", 0, false, false, 0));
            keep.send(Raw.publish5("rap/t", 0, false, 0, Props.none(), "plain"));
            keep.send(Raw.publish5("rap/t", 0, true, 0, Props.none(), "retained"));
            assertThat(Raw.publish(keep).retain()).isFalse();
            assertThat(Raw.publish(keep).retain()).isTrue();
            assertThat(Raw.publish(clear).retain()).isFalse();
            assertThat(Raw.publish(clear).retain()).isFalse();
            keep.send(Raw.publish5("rap/t", 0, true, 0, Props.none(), ""));
        }
    }

    /** Paho's retainHandling test: 0 always sends, 1 only for a new subscription, 2 never. */
    @Test
    @Conformance({"v5:MQTT-3.3.1-9", "v5:MQTT-3.3.1-10", "v5:MQTT-3.3.1-11", "v5:MQTT-3.8.4-4"})
    void v5RetainHandling() {
        try (RawClient c = Raw.v5(broker.port(), "rh")) {
            for (int i = 0; i < 3; i++) {
                c.send(Raw.publish5("rh/" + i, i, true, i, Props.none(), "q" + i));
                if (i == 1) {
                    c.expect(Received.PUBACK);
                } else if (i == 2) {
                    c.expect(Received.PUBREC);
                    c.send(Packets.pubrel(2));
                    c.expect(Received.PUBCOMP);
                }
            }
            retainedOnSubscribe(c, 1, 1, 3);
            retainedOnSubscribe(c, 2, 1, 0); // retain handling 1, subscription exists
            c.send(Packets.unsubscribe(Packets.V5, 3, "rh/+"));
            c.expect(Received.UNSUBACK);
            retainedOnSubscribe(c, 4, 2, 0);
            retainedOnSubscribe(c, 5, 2, 0);
            retainedOnSubscribe(c, 6, 0, 3);
            retainedOnSubscribe(c, 7, 0, 3); // retain handling 0, subscription exists
            for (int i = 0; i < 3; i++) {
                c.send(Raw.publish5("rh/" + i, 0, true, 0, Props.none(), ""));
            }
        }
    }

    /** Subscribes rh/+ with a retain handling and expects exactly this many retained messages, one per QoS. */
    private static void retainedOnSubscribe(RawClient c, int packetId, int retainHandling, int expected) {
        Raw.subscribe5(c, packetId, Props.none(), Packets.sub("rh/+", 2, false, false, retainHandling));
        java.util.Set<Integer> qoss = new java.util.HashSet<>();
        List<Received.Publish> got = new java.util.ArrayList<>();
        for (int i = 0; i < expected; i++) {
            Received.Publish p = Raw.publish(c);
            assertThat(p.retain()).isTrue();
            qoss.add(p.qos());
            got.add(p);
        }
        assertThat(qoss).hasSize(expected);
        for (Received.Publish p : got) {
            if (p.qos() == 1) {
                c.send(Packets.puback(p.packetId()));
            } else if (p.qos() == 2) {
                c.send(Packets.pubrec(p.packetId()));
                assertThat(c.expect(Received.PUBREL).ack().packetId()).isEqualTo(p.packetId());
                c.send(Packets.pubcomp(p.packetId()));
            }
        }
        c.expectNothing(Raw.QUIET);
    }

    /** SUBACK and UNSUBACK carry no Reason String, so they fit a client's small Maximum Packet Size. */
    @Test
    @Conformance({"v5:MQTT-3.9.2-1", "v5:MQTT-3.9.2-2", "v5:MQTT-3.11.2-1", "v5:MQTT-3.11.2-2", "v5:MQTT-3.1.2-24"})
    void v5AcknowledgementsFitASmallMaximumPacketSize() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "small-acks")
            .props(Props.of().u32(Props.MAXIMUM_PACKET_SIZE, 8).build()))) {
            c.send(Packets.subscribe(Packets.V5, 1, Props.none(), Packets.sub("bad/#/x", 0)));
            Received suback = c.expect(Received.SUBACK);
            assertThat(suback.raw().length).isLessThanOrEqualTo(8);
            c.send(Packets.unsubscribe(Packets.V5, 2, "none"));
            Received unsuback = c.expect(Received.UNSUBACK);
            assertThat(unsuback.raw().length).isLessThanOrEqualTo(8);
            List<Object> none = suback.suback().properties().all(Props.REASON_STRING);
            assertThat(none).isEmpty();
        }
    }
}
