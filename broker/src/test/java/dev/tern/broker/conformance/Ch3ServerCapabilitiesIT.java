package dev.tern.broker.conformance;

import dev.tern.broker.Broker;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 3.2.2.3, the capabilities a server announces in CONNACK and then enforces: Maximum QoS,
 * Retain Available, Subscription Identifiers Available and Topic Alias Maximum. Each test starts
 * a broker with the capability switched off.
 */
class Ch3ServerCapabilitiesIT {

    @Test
    @Conformance({"v5:MQTT-3.2.2-9", "v5:MQTT-3.2.2-10", "v5:MQTT-3.2.2-12", "v5:MQTT-3.2.2-7"})
    void v5MaximumQos1() {
        try (Broker b = Raw.broker(m -> m.maximumQoS(1))) {
            try (RawClient c = RawClient.connect(b.port())) {
                Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "maxqos"));
                assertThat(ack.properties().integer(Props.MAXIMUM_QOS)).isEqualTo(1);
                assertThat(Raw.subscribe5(c, 1, Props.none(), Packets.sub("maxqos/t", 2))).containsExactly(1);
                c.send(Raw.publish5("maxqos/t", 2, false, 1, Props.none(), "too high"));
                Raw.expectDisconnect(c, 0x9B);
            }
            try (RawClient c = RawClient.connect(b.port())) {
                c.v5(true).send(Packets.connect(Packets.V5, "maxqos-will").will("maxqos/will", "x", 2, false).build());
                Raw.expectRefused(c, 0x9B);
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.2.2-9", "v5:MQTT-3.2.2-10"})
    void v5MaximumQos0StillAcceptsSubscriptionsAtAnyQos() {
        try (Broker b = Raw.broker(m -> m.maximumQoS(0)); RawClient c = RawClient.connect(b.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "maxqos0"));
            assertThat(ack.properties().integer(Props.MAXIMUM_QOS)).isZero();
            assertThat(Raw.subscribe5(c, 1, Props.none(), Packets.sub("q/0", 0), Packets.sub("q/1", 1), Packets.sub("q/2", 2)))
                .containsExactly(0, 0, 0);
        }
    }

    /** A 3.1.1 client cannot be told the server's maximum: a will above it is refused without a return code. */
    @Test
    @Conformance({"v311:MQTT-3.2.2-6"})
    void v311WillAboveTheMaximumQosClosesWithoutConnack() {
        try (Broker b = Raw.broker(m -> m.maximumQoS(1)); RawClient c = RawClient.connect(b.port())) {
            c.send(Packets.connect(Packets.V311, "maxqos-will-311").will("maxqos/will", "x", 2, false).build());
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.2.2-13", "v5:MQTT-3.2.2-7", "v5:MQTT-4.13.2-1"})
    void v5RetainNotAvailable() {
        try (Broker b = Raw.broker(m -> m.retainAvailable(false))) {
            try (RawClient c = RawClient.connect(b.port())) {
                Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "noretain"));
                assertThat(ack.properties().integer(Props.RETAIN_AVAILABLE)).isZero();
                c.send(Raw.publish5("noretain/t", 0, true, 0, Props.none(), "retained"));
                Raw.expectDisconnect(c, 0x9A);
            }
            try (RawClient c = RawClient.connect(b.port())) {
                c.v5(true).send(Packets.connect(Packets.V5, "noretain-will").will("noretain/will", "x", 0, true).build());
                Raw.expectRefused(c, 0x9A);
            }
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.2.2-6"})
    void v311RetainedWillWithoutRetainSupportClosesWithoutConnack() {
        try (Broker b = Raw.broker(m -> m.retainAvailable(false)); RawClient c = RawClient.connect(b.port())) {
            c.send(Packets.connect(Packets.V311, "noretain-will-311").will("noretain/will", "x", 0, true).build());
            Raw.expectClosedSilently(c);
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.2-1"})
    void v5SubscriptionIdentifiersNotAvailable() {
        try (Broker b = Raw.broker(m -> m.subscriptionIdentifierAvailable(false)); RawClient c = RawClient.connect(b.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "nosubid"));
            assertThat(ack.properties().integer(Props.SUBSCRIPTION_IDENTIFIER_AVAILABLE)).isZero();
            c.send(Packets.subscribe(Packets.V5, 1, Props.of().varint(Props.SUBSCRIPTION_IDENTIFIER, 1).build(),
                Packets.sub("nosubid/t", 0)));
            Raw.expectDisconnect(c, 0xA1);
        }
    }

    /** Topic Alias Maximum 0: any alias from the client is invalid. */
    @Test
    @Conformance({"v5:MQTT-3.3.2-12", "v5:MQTT-4.13.1-1"})
    void v5TopicAliasesNotAccepted() {
        try (Broker b = Raw.broker(m -> m.topicAliasMaximum(0)); RawClient c = RawClient.connect(b.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "noalias"));
            assertThat(ack.properties().get(Props.TOPIC_ALIAS_MAXIMUM)).isIn(null, 0);
            c.send(Raw.publish5("noalias/t", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 1).build(), "x"));
            Raw.expectDisconnect(c, 0x94);
        }
    }

    /** Shutdown tells MQTT 5 clients why (0x8B) and closes 3.1.1 ones. */
    @Test
    @Conformance({"v5:MQTT-3.14.2-1", "v5:MQTT-4.13.2-1", "v5:MQTT-3.14.4-2"})
    void shutdownDisconnectsEveryClient() {
        RawClient v5 = null;
        RawClient v311 = null;
        try (Broker b = Raw.broker(m -> m)) {
            v5 = Raw.v5(b.port(), "shutdown-5");
            v311 = Raw.v311(b.port(), "shutdown-311");
        } finally {
            if (v5 != null) {
                Raw.expectDisconnect(v5, 0x8B);
                v5.close();
            }
            if (v311 != null) {
                Raw.expectClosedSilently(v311);
                v311.close();
            }
        }
    }

    /** The defaults a client sees (docs/configuration.md): everything available, limits at the protocol maximum. */
    @Test
    void v5DefaultCapabilities() {
        try (Broker b = Raw.broker(m -> m); RawClient c = RawClient.connect(b.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "defaults"));
            // absent means 65535 (section 3.2.2.3.3); sent, it breaks Paho Java v5 (see QosRoundTripIT)
            assertThat(ack.properties().has(Props.RECEIVE_MAXIMUM)).isFalse();
            assertThat(ack.properties().integer(Props.TOPIC_ALIAS_MAXIMUM)).isEqualTo(65535);
            assertThat(ack.properties().longValue(Props.MAXIMUM_PACKET_SIZE)).isEqualTo(268435455L);
            assertThat(ack.properties().has(Props.MAXIMUM_QOS)).isFalse();
            assertThat(ack.properties().integer(Props.RETAIN_AVAILABLE)).isEqualTo(1);
            assertThat(ack.properties().integer(Props.WILDCARD_SUBSCRIPTION_AVAILABLE)).isEqualTo(1);
            assertThat(ack.properties().integer(Props.SUBSCRIPTION_IDENTIFIER_AVAILABLE)).isEqualTo(1);
            assertThat(ack.properties().integer(Props.SHARED_SUBSCRIPTION_AVAILABLE)).isEqualTo(1);
        }
    }
}
