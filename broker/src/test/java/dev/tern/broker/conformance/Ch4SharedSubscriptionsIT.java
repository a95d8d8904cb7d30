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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 4.8.2, shared subscriptions: the $share filter syntax, one member per message, the
 * granted QoS, QoS 2 deliveries that a member must finish itself, and refusals that are final.
 */
class Ch4SharedSubscriptionsIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    private static Packets.Connect persistent(String id, boolean cleanStart) {
        return Packets.connect(Packets.V5, id).cleanStart(cleanStart)
            .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).build());
    }

    /** Paho's test_shared_subscriptions: a normal subscription gets every message, the group one copy of each. */
    @Test
    @Conformance({"v5:MQTT-4.8.2-1", "v5:MQTT-4.8.2-2", "v5:MQTT-4.8.2-3"})
    void eachMessageGoesToOneMemberOfTheGroup() {
        try (RawClient a = Raw.v5(broker.port(), "share-a"); RawClient b = Raw.v5(broker.port(), "share-b")) {
            for (RawClient c : new RawClient[]{a, b}) {
                assertThat(Raw.subscribe5(c, 1, Props.none(), Packets.sub("$share/sharename/shared/x", 1),
                    Packets.sub("shared/all", 1))).containsExactly(1, 1);
            }
            a.send(Raw.publish5("shared/all", 0, false, 0, Props.none(), "to all"));
            assertThat(Raw.publish(a).payloadText()).isEqualTo("to all");
            assertThat(Raw.publish(b).payloadText()).isEqualTo("to all");
            for (int i = 0; i < 10; i++) {
                a.send(Raw.publish5("shared/x", 0, false, 0, Props.none(), "m" + i));
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                got.add(Raw.nextDelivery(a, b).publish().payloadText());
            }
            assertThat(got).doesNotHaveDuplicates();
            a.expectNothing(Raw.QUIET);
            b.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.8.2-3"})
    void sharedDeliveryRespectsTheMembersGrantedQos() {
        try (RawClient m = Raw.v5(broker.port(), "share-qos")) {
            Raw.subscribe5(m, 1, Props.none(), Packets.sub("$share/q/shared/qos", 0));
            m.send(Raw.publish5("shared/qos", 2, false, 5, Props.none(), "downgraded"));
            Received.Publish p = null;
            for (int k = 0; k < 2; k++) {
                Received r = m.receive();
                if (r.type() == Received.PUBLISH) {
                    p = r.publish();
                } else {
                    m.send(Packets.pubrel(r.ack().packetId()));
                    m.expect(Received.PUBCOMP);
                }
            }
            assertThat(p).isNotNull();
            assertThat(p.qos()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"$share/", "$share//x", "$share/a+/x", "$share/a#/x", "$share/g", "$share/g/", "$share/g/a/#/b"})
    @Conformance({"v5:MQTT-4.8.2-1", "v5:MQTT-4.8.2-2", "v5:MQTT-3.8.4-7"})
    void malformedSharedFiltersAreRefused(String filter) {
        try (RawClient c = Raw.v5(broker.port(), "share-bad")) {
            c.send(Packets.subscribe(Packets.V5, 1, filter, 0));
            assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(0x8F);
        }
    }

    /** A QoS 2 delivery to a member that drops is finished with that member when it comes back, not given to another. */
    @Test
    @Conformance({"v5:MQTT-4.8.2-4"})
    void qos2DeliveryIsCompletedByTheSameMemberOnReconnect() {
        try (RawClient other = Raw.v5(broker.port(), "share-q2-other"); RawClient pub = Raw.v5(broker.port(), "share-q2-pub")) {
            Received.Publish first = null;
            try (RawClient m = Raw.connected(broker.port(), persistent("share-q2", true))) {
                Raw.subscribe5(m, 1, Props.none(), Packets.sub("$share/q2/shared/q2", 2));
                Raw.subscribe5(other, 1, Props.none(), Packets.sub("$share/q2/shared/q2", 2));
                // each message goes to one of the two: publish until m has one
                for (int id = 1; first == null; id++) {
                    pub.send(Raw.publish5("shared/q2", 2, false, id, Props.none(), "m" + id));
                    pub.expect(Received.PUBREC);
                    pub.send(Packets.pubrel(id));
                    pub.expect(Received.PUBCOMP);
                    Raw.Delivery d = Raw.nextDelivery(m, other);
                    if (d.client() == 0) {
                        first = d.publish();
                    } else {
                        other.send(Packets.pubrec(d.publish().packetId()));
                        other.expect(Received.PUBREL);
                        other.send(Packets.pubcomp(d.publish().packetId()));
                    }
                }
                m.drop();
            }
            other.expectNothing(Raw.QUIET);
            try (RawClient m = RawClient.connect(broker.port())) {
                assertThat(m.connect(persistent("share-q2", false)).sessionPresent()).isTrue();
                Received.Publish again = Raw.publish(m);
                assertThat(again.dup()).isTrue();
                assertThat(again.packetId()).isEqualTo(first.packetId());
                assertThat(again.payloadText()).isEqualTo(first.payloadText());
                m.send(Packets.pubrec(again.packetId()));
                m.expect(Received.PUBREL);
                m.send(Packets.pubcomp(again.packetId()));
                m.send(Packets.disconnect(0, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 0).build()));
            }
            other.expectNothing(Raw.QUIET);
        }
    }

    /** If that member's session ends instead, the message is not given to another member. */
    @Test
    @Conformance({"v5:MQTT-4.8.2-5"})
    void qos2DeliveryIsNotHandedOnWhenTheMembersSessionEnds() {
        try (RawClient other = RawClient.connect(broker.port());
             RawClient m = Raw.connected(broker.port(), Packets.connect(Packets.V5, "share-end")
                 .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 1).build()))) {
            other.connectV5("share-end-other");
            Raw.subscribe5(m, 1, Props.none(), Packets.sub("$share/end/shared/end", 2));
            m.send(Raw.publish5("shared/end", 2, false, 1, Props.none(), "only for m"));
            Received.Publish p = null;
            for (int k = 0; k < 2; k++) {
                Received r = m.receive();
                if (r.type() == Received.PUBLISH) {
                    p = r.publish();
                } else {
                    m.send(Packets.pubrel(1));
                }
            }
            assertThat(p).isNotNull();
            // the other member joins after the delivery started; then m goes away for good
            Raw.subscribe5(other, 1, Props.none(), Packets.sub("$share/end/shared/end", 2));
            m.drop();
            other.expectNothing(Duration.ofMillis(2000));
        }
    }

    /** A member refusing a message with PUBACK 0x80 ends it: no other member gets it. */
    @Test
    @Conformance({"v5:MQTT-4.8.2-6"})
    void refusedSharedDeliveryIsNotHandedOn() {
        try (RawClient a = Raw.v5(broker.port(), "share-refuse-a"); RawClient b = Raw.v5(broker.port(), "share-refuse-b");
             RawClient pub = Raw.v5(broker.port(), "share-refuse-pub")) {
            Raw.subscribe5(a, 1, Props.none(), Packets.sub("$share/r/shared/refuse", 1));
            Raw.subscribe5(b, 1, Props.none(), Packets.sub("$share/r/shared/refuse", 1));
            pub.send(Raw.publish5("shared/refuse", 1, false, 1, Props.none(), "refused"));
            pub.expect(Received.PUBACK);
            Raw.Delivery d = Raw.nextDelivery(a, b);
            RawClient got = d.client() == 0 ? a : b;
            Received.Publish p = d.publish();
            got.send(Wire.packet(0x40, Wire.u16(p.packetId()), new byte[]{(byte) 0x80}, Props.none()));
            (got == a ? b : a).expectNothing(Raw.QUIET);
            got.expectNothing(Raw.QUIET);
        }
    }

    /** Retained messages are not sent to a new shared subscription. */
    @Test
    @Conformance({"v5:MQTT-4.8.2-3"})
    void retainedMessagesAreNotSentToSharedSubscriptions() {
        try (RawClient c = Raw.v5(broker.port(), "share-retained")) {
            c.send(Raw.publish5("shared/retained", 0, true, 0, Props.none(), "retained"));
            Raw.subscribe5(c, 1, Props.none(), Packets.sub("$share/g/shared/retained", 0));
            c.expectNothing(Raw.QUIET);
            c.send(Raw.publish5("shared/retained", 0, true, 0, Props.none(), ""));
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.9.3-2"})
    void sharedSubscriptionsCanBeSwitchedOff() {
        try (Broker b = Raw.broker(m -> m.sharedSubscriptionAvailable(false)); RawClient c = RawClient.connect(b.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "no-share"));
            assertThat(ack.properties().integer(Props.SHARED_SUBSCRIPTION_AVAILABLE)).isZero();
            c.send(Packets.subscribe(Packets.V5, 1, "$share/g/x", 0));
            assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(0x9E);
        }
    }
}
