package dev.tern.broker.conformance;

import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static dev.tern.testkit.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 3.3.2.3, the MQTT 5 PUBLISH properties: forwarded unaltered (payload format, content
 * type, response topic, correlation data, user properties in order), payload format checked,
 * message expiry counted down and honoured, and topic aliases in both directions.
 */
@Execution(ExecutionMode.CONCURRENT) // the tests wait on timers; each uses its own client ids and topics
class Ch3Publish5IT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withMqtt(m -> m.topicAliasMaximum(10));

    @Test
    @Conformance({"v5:MQTT-3.3.2-4", "v5:MQTT-3.3.2-15", "v5:MQTT-3.3.2-16", "v5:MQTT-3.3.2-17", "v5:MQTT-3.3.2-18",
        "v5:MQTT-3.3.2-20", "v5:MQTT-3.3.2-13", "v5:MQTT-3.3.2-19"})
    void propertiesAreForwardedUnaltered() {
        byte[] props = Props.of().u8(Props.PAYLOAD_FORMAT_INDICATOR, 1).string(Props.CONTENT_TYPE, "application/x;\u00e9")
            .string(Props.RESPONSE_TOPIC, "props5/reply/\u00e9").binary(Props.CORRELATION_DATA, new byte[]{0, (byte) 0xFF, 7})
            .user("z", "1").user("a", "2").user("z", "0").user("", "").build();
        try (RawClient sub = Raw.v5(broker.port(), "props5-sub"); RawClient pub = Raw.v5(broker.port(), "props5-pub")) {
            Raw.subscribe(sub, Packets.V5, 1, "props5/#", 2);
            for (int qos = 0; qos <= 2; qos++) {
                pub.send(Raw.publish5("props5/all", qos, false, qos, props, "caf\u00e9"));
                Received.Publish p = Raw.publish(sub);
                assertThat(p.qos()).isEqualTo(qos);
                assertThat(p.properties().integer(Props.PAYLOAD_FORMAT_INDICATOR)).isEqualTo(1);
                assertThat(p.properties().string(Props.CONTENT_TYPE)).isEqualTo("application/x;\u00e9");
                assertThat(p.properties().string(Props.RESPONSE_TOPIC)).isEqualTo("props5/reply/\u00e9");
                assertThat((byte[]) p.properties().get(Props.CORRELATION_DATA)).containsExactly(0, 0xFF, 7);
                assertThat(p.properties().all(Props.USER_PROPERTY)).extracting(v -> String.join("=", (String[]) v))
                    .containsExactly("z=1", "a=2", "z=0", "=");
                assertThat(p.payloadText()).isEqualTo("caf\u00e9");
                complete(sub, p);
                if (qos > 0) {
                    drainAck(pub, qos);
                }
            }
        }
    }

    /** Paho's test_retained_message: a retained message keeps its properties for later subscribers. */
    @Test
    @Conformance({"v5:MQTT-3.3.2-17", "v5:MQTT-3.3.2-18", "v5:MQTT-3.3.2-20", "v5:MQTT-3.3.1-5"})
    void retainedMessagesKeepTheirProperties() {
        byte[] props = Props.of().string(Props.CONTENT_TYPE, "text/plain").user("a", "2").user("c", "3").build();
        try (RawClient c = Raw.v5(broker.port(), "retained-props")) {
            for (int qos = 0; qos <= 2; qos++) {
                c.send(Raw.publish5("retained5/props/" + qos, qos, true, qos, props, "qos " + qos));
                drainAck(c, qos);
            }
        }
        try (RawClient late = Raw.v5(broker.port(), "retained-props-late")) {
            Raw.subscribe(late, Packets.V5, 1, "retained5/props/+", 2);
            java.util.Set<Integer> qoss = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++) {
                Received.Publish p = Raw.publish(late);
                assertThat(p.retain()).isTrue();
                assertThat(p.properties().string(Props.CONTENT_TYPE)).isEqualTo("text/plain");
                assertThat(p.properties().all(Props.USER_PROPERTY)).extracting(v -> String.join("=", (String[]) v))
                    .containsExactly("a=2", "c=3");
                qoss.add(p.qos());
                complete(late, p);
            }
            assertThat(qoss).containsExactlyInAnyOrder(0, 1, 2);
            for (int qos = 0; qos <= 2; qos++) {
                late.send(Raw.publish5("retained5/props/" + qos, 0, true, 0, Props.none(), ""));
            }
        }
    }

    /** Paho's test_request_response: the responder publishes to the Response Topic with the Correlation Data. */
    @Test
    @Conformance({"v5:MQTT-3.3.2-15", "v5:MQTT-3.3.2-16"})
    void requestResponseRoundTrip() {
        try (RawClient requester = Raw.v5(broker.port(), "requester"); RawClient responder = Raw.v5(broker.port(), "responder")) {
            Raw.subscribe(responder, Packets.V5, 1, "service/requests", 1);
            Raw.subscribe(requester, Packets.V5, 1, "service/replies/requester", 1);
            requester.send(Raw.publish5("service/requests", 1, false, 1, Props.of()
                .string(Props.RESPONSE_TOPIC, "service/replies/requester").binary(Props.CORRELATION_DATA, Raw.utf8("334")).build(),
                "request"));
            requester.expect(Received.PUBACK);
            Received.Publish request = Raw.publish(responder);
            responder.send(Packets.puback(request.packetId()));
            responder.send(Raw.publish5(request.properties().string(Props.RESPONSE_TOPIC), 1, false, 7, Props.of()
                .binary(Props.CORRELATION_DATA, (byte[]) request.properties().get(Props.CORRELATION_DATA)).build(), "response"));
            responder.expect(Received.PUBACK);
            Received.Publish response = Raw.publish(requester);
            assertThat(response.payloadText()).isEqualTo("response");
            assertThat(new String((byte[]) response.properties().get(Props.CORRELATION_DATA))).isEqualTo("334");
            requester.send(Packets.puback(response.packetId()));
        }
    }

    // --- payload format indicator ---------------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-3.4.2-1", "v5:MQTT-3.3.4-1"})
    void qos1PayloadThatIsNotUtf8AsAnnouncedGetsPuback0x99AndIsNotDelivered() {
        try (RawClient sub = Raw.v5(broker.port(), "pfi-sub"); RawClient pub = Raw.v5(broker.port(), "pfi-pub")) {
            Raw.subscribe(sub, Packets.V5, 1, "pfi/bad", 1);
            byte[] bad = Packets.publish(Packets.V5, "pfi/bad", 1, false, false, 4,
                Props.of().u8(Props.PAYLOAD_FORMAT_INDICATOR, 1).build(), hex("ff fe"));
            pub.send(bad);
            assertThat(pub.expect(Received.PUBACK).ack().reasonCode()).isEqualTo(0x99);
            sub.expectNothing(Raw.QUIET);
            // the same bytes without the indicator are just bytes
            pub.send(Packets.publish(Packets.V5, "pfi/bad", 0, false, false, 0, Props.none(), hex("ff fe")));
            assertThat(Raw.publish(sub).payload()).containsExactly(0xFF, 0xFE);
        }
    }

    /** After a PUBREC of 0x80 or above the exchange is over: the identifier starts a new message. */
    @Test
    @Conformance({"v5:MQTT-4.3.3-9", "v5:MQTT-3.5.2-1"})
    void qos2PayloadThatIsNotUtf8AsAnnouncedGetsPubrec0x99() {
        try (RawClient sub = Raw.v5(broker.port(), "pfi2-sub"); RawClient pub = Raw.v5(broker.port(), "pfi2-pub")) {
            Raw.subscribe(sub, Packets.V5, 1, "pfi/bad2", 0);
            pub.send(Packets.publish(Packets.V5, "pfi/bad2", 2, false, false, 8,
                Props.of().u8(Props.PAYLOAD_FORMAT_INDICATOR, 1).build(), hex("c0 80")));
            assertThat(pub.expect(Received.PUBREC).ack().reasonCode()).isEqualTo(0x99);
            pub.send(Raw.publish5("pfi/bad2", 2, false, 8, Props.none(), "fine"));
            Received.Ack rec = pub.expect(Received.PUBREC).ack();
            assertThat(rec.packetId()).isEqualTo(8);
            assertThat(rec.reasonCode()).isZero();
            pub.send(Packets.pubrel(8));
            assertThat(pub.expect(Received.PUBCOMP).ack().reasonCode()).isZero();
            assertThat(Raw.publish(sub).payloadText()).isEqualTo("fine");
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1", "v5:MQTT-3.14.2-1"})
    void qos0PayloadThatIsNotUtf8AsAnnouncedEndsTheConnectionWith0x99() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient pub = Raw.v5(broker.port(), "pfi0-pub")) {
            pub.send(Packets.publish(Packets.V5, "pfi/bad0", 0, false, false, 0,
                Props.of().u8(Props.PAYLOAD_FORMAT_INDICATOR, 1).build(), hex("ed a0 80")));
            Raw.expectDisconnect(pub, 0x99);
            other.assertUnaffected();
        }
    }

    // --- message expiry -------------------------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-3.3.2-6"})
    void messageExpiryIsForwardedMinusTheTimeWaited() {
        try (RawClient sub = Raw.connected(broker.port(), Packets.connect(Packets.V5, "expiry-sub")
            .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).build()))) {
            Raw.subscribe(sub, Packets.V5, 1, "expiry5/wait", 1);
            try (RawClient pub = Raw.v5(broker.port(), "expiry-pub")) {
                pub.send(Raw.publish5("expiry5/wait", 0, false, 0, Props.of().u32(Props.MESSAGE_EXPIRY_INTERVAL, 100).build(), "now"));
                assertThat(Raw.publish(sub).properties().longValue(Props.MESSAGE_EXPIRY_INTERVAL)).isBetween(99L, 100L);
                sub.send(Packets.disconnect());
                pub.send(Raw.publish5("expiry5/wait", 1, false, 1, Props.of().u32(Props.MESSAGE_EXPIRY_INTERVAL, 100).build(), "later"));
                pub.expect(Received.PUBACK);
                pub.expectNothing(Duration.ofMillis(1100));
            }
        }
        try (RawClient sub = RawClient.connect(broker.port())) {
            sub.connect(Packets.connect(Packets.V5, "expiry-sub").cleanStart(false));
            Received.Publish p = Raw.publish(sub);
            assertThat(p.payloadText()).isEqualTo("later");
            assertThat(p.properties().longValue(Props.MESSAGE_EXPIRY_INTERVAL)).isLessThan(100L).isGreaterThan(90L);
            sub.send(Packets.puback(p.packetId()));
            sub.send(Packets.disconnect(0, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 0).build()));
        }
    }

    /** Paho's test_publication_expiry: queued messages that expired are not delivered; the others are. */
    @Test
    @Conformance({"v5:MQTT-3.3.2-5", "v5:MQTT-3.3.2-6"})
    void expiredMessagesAreNotDelivered() {
        try (RawClient sub = Raw.connected(broker.port(), Packets.connect(Packets.V5, "expired-sub")
            .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).build()))) {
            Raw.subscribe(sub, Packets.V5, 1, "expiry5/gone", 2);
            sub.send(Packets.disconnect());
        }
        try (RawClient pub = Raw.v5(broker.port(), "expired-pub")) {
            for (int qos = 1; qos <= 2; qos++) {
                pub.send(Raw.publish5("expiry5/gone", qos, false, qos, Props.of().u32(Props.MESSAGE_EXPIRY_INTERVAL, 1).build(),
                    "expires " + qos));
                drainAck(pub, qos);
                pub.send(Raw.publish5("expiry5/gone", qos, false, 10 + qos,
                    Props.of().u32(Props.MESSAGE_EXPIRY_INTERVAL, 60).build(), "stays " + qos));
                drainAck(pub, qos);
            }
            pub.expectNothing(Duration.ofMillis(1500));
        }
        try (RawClient sub = RawClient.connect(broker.port())) {
            sub.connect(Packets.connect(Packets.V5, "expired-sub").cleanStart(false));
            for (int qos = 1; qos <= 2; qos++) {
                Received.Publish p = Raw.publish(sub);
                assertThat(p.payloadText()).isEqualTo("stays " + qos);
                assertThat(p.properties().longValue(Props.MESSAGE_EXPIRY_INTERVAL)).isLessThan(60L);
                complete(sub, p);
            }
            sub.expectNothing(Raw.QUIET);
            sub.send(Packets.disconnect(0, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 0).build()));
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.3.2-5"})
    void expiredRetainedMessageIsNotSent() {
        try (RawClient c = Raw.v5(broker.port(), "expiry-retained")) {
            c.send(Raw.publish5("expiry5/retained", 0, true, 0, Props.of().u32(Props.MESSAGE_EXPIRY_INTERVAL, 1).build(), "brief"));
            Raw.subscribe(c, Packets.V5, 1, "expiry5/retained", 0);
            assertThat(Raw.publish(c).payloadText()).isEqualTo("brief");
            c.expectNothing(Duration.ofMillis(1300));
            Raw.subscribe(c, Packets.V5, 2, "expiry5/retained", 0);
            c.expectNothing(Raw.QUIET);
        }
    }

    /** A QoS 2 exchange in progress finishes even after the message expired, in both directions. */
    @Test
    @Conformance({"v5:MQTT-4.3.3-13", "v5:MQTT-4.3.3-7", "v5:MQTT-4.3.3-4", "v5:MQTT-4.3.3-5"})
    void qos2ExchangeOutlivesMessageExpiry() {
        try (RawClient sub = Raw.v5(broker.port(), "q2exp-sub"); RawClient pub = Raw.v5(broker.port(), "q2exp-pub")) {
            Raw.subscribe(sub, Packets.V5, 1, "expiry5/q2", 2);
            pub.send(Raw.publish5("expiry5/q2", 2, false, 3, Props.of().u32(Props.MESSAGE_EXPIRY_INTERVAL, 1).build(), "q2"));
            pub.expect(Received.PUBREC);
            Received.Publish p = Raw.publish(sub);
            sub.expectNothing(Duration.ofMillis(1300));
            pub.send(Packets.pubrel(3));
            assertThat(pub.expect(Received.PUBCOMP).ack().reasonCode()).isZero();
            sub.send(Packets.pubrec(p.packetId()));
            Received pubrel = sub.expect(Received.PUBREL);
            assertThat(pubrel.flags()).isEqualTo(2);
            assertThat(pubrel.ack().packetId()).isEqualTo(p.packetId());
            // the PUBREL stays unacknowledged until PUBCOMP: nothing else happens meanwhile
            sub.expectNothing(Raw.QUIET);
            sub.send(Packets.pubcomp(p.packetId()));
        }
    }

    // --- topic aliases from the client ----------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-3.3.2-12"})
    void clientTopicAliasesAreAcceptedUpToTheMaximum() {
        try (RawClient sub = Raw.v5(broker.port(), "alias-in-sub"); RawClient pub = RawClient.connect(broker.port())) {
            Received.ConnAck ack = pub.connect(Packets.connect(Packets.V5, "alias-in-pub"));
            assertThat(ack.properties().integer(Props.TOPIC_ALIAS_MAXIMUM)).isEqualTo(10);
            Raw.subscribe(sub, Packets.V5, 1, "alias/in/+", 0);
            pub.send(Raw.publish5("alias/in/one", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 1).build(), "set 1"));
            pub.send(Raw.publish5("alias/in/ten", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 10).build(), "set 10"));
            pub.send(Raw.publish5("", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 1).build(), "use 1"));
            pub.send(Raw.publish5("", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 10).build(), "use 10"));
            // an alias can be mapped to another topic
            pub.send(Raw.publish5("alias/in/two", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 1).build(), "remap 1"));
            pub.send(Raw.publish5("", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 1).build(), "use 1 again"));
            String[][] expected = {{"alias/in/one", "set 1"}, {"alias/in/ten", "set 10"}, {"alias/in/one", "use 1"},
                {"alias/in/ten", "use 10"}, {"alias/in/two", "remap 1"}, {"alias/in/two", "use 1 again"}};
            for (String[] e : expected) {
                Received.Publish p = Raw.publish(sub);
                assertThat(p.topic()).isEqualTo(e[0]);
                assertThat(p.payloadText()).isEqualTo(e[1]);
                assertThat(p.properties().has(Props.TOPIC_ALIAS)).isFalse();
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.3.2-8", "v5:MQTT-4.13.1-1"})
    void topicAliasZeroIsInvalid() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = Raw.v5(broker.port(), "alias-zero")) {
            c.send(Raw.publish5("alias/zero", 1, false, 1, Props.of().u16(Props.TOPIC_ALIAS, 0).build(), "x"));
            Raw.expectDisconnect(c, 0x94);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.3.2-12", "v5:MQTT-4.13.1-1"})
    void topicAliasAboveTheMaximumIsInvalid() {
        try (RawClient c = Raw.v5(broker.port(), "alias-high")) {
            c.send(Raw.publish5("alias/high", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 11).build(), "x"));
            Raw.expectDisconnect(c, 0x94);
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void unknownTopicAliasWithEmptyTopicIsAProtocolError() {
        try (RawClient c = Raw.v5(broker.port(), "alias-unknown")) {
            c.send(Raw.publish5("", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 3).build(), "x"));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    /** Paho's test_client_topic_alias: the mapping dies with the connection, the subscription does not. */
    @Test
    @Conformance({"v5:MQTT-3.3.2-7"})
    void topicAliasesDoNotOutliveTheConnection() {
        Packets.Connect connect = Packets.connect(Packets.V5, "alias-life").cleanStart(false)
            .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).build());
        try (RawClient c = Raw.connected(broker.port(), connect)) {
            Raw.subscribe(c, Packets.V5, 1, "alias/life", 0);
            c.send(Raw.publish5("alias/life", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 1).build(), "set"));
            assertThat(Raw.publish(c).payloadText()).isEqualTo("set");
            c.send(Packets.disconnect());
        }
        try (RawClient c = Raw.connected(broker.port(), connect)) {
            c.send(Raw.publish5("alias/life", 0, false, 0, Props.none(), "subscription kept"));
            assertThat(Raw.publish(c).payloadText()).isEqualTo("subscription kept");
            c.send(Raw.publish5("", 0, false, 0, Props.of().u16(Props.TOPIC_ALIAS, 1).build(), "alias gone"));
            Raw.expectDisconnect(c, 0x82);
        }
        try (RawClient c = Raw.v5(broker.port(), "alias-life")) {
            c.send(Packets.disconnect());
        }
    }

    // --- topic aliases from the server ----------------------------------------------------------

    /** Paho's test_server_topic_alias: with Topic Alias Maximum 1 the first PUBLISH sets the alias, later ones use it. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-26", "v5:MQTT-3.3.2-11", "v5:MQTT-3.3.2-8"})
    void serverSendsTopicAliasesWithinTheClientsMaximum() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "alias-out")
            .props(Props.of().u16(Props.TOPIC_ALIAS_MAXIMUM, 1).build()))) {
            Raw.subscribe(c, Packets.V5, 1, "alias/out/+", 2);
            for (int qos = 0; qos <= 2; qos++) {
                c.send(Raw.publish5("alias/out/a", qos, false, 20 + qos, Props.none(), "a" + qos));
                Received.Publish p = nextPublish(c, qos);
                int alias = p.properties().integer(Props.TOPIC_ALIAS);
                assertThat(alias).isEqualTo(1);
                assertThat(p.topic()).isEqualTo(qos == 0 ? "alias/out/a" : "");
                assertThat(p.payloadText()).isEqualTo("a" + qos);
            }
            // no alias left for a second topic: it goes out in full, without an alias
            c.send(Raw.publish5("alias/out/b", 0, false, 0, Props.none(), "b"));
            Received.Publish b = Raw.publish(c);
            assertThat(b.topic()).isEqualTo("alias/out/b");
            assertThat(b.properties().has(Props.TOPIC_ALIAS)).isFalse();
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-27"})
    void noServerTopicAliasesWhenTheClientAllowsNone() {
        Packets.Connect[] connects = {
            Packets.connect(Packets.V5, "alias-none-absent"),
            Packets.connect(Packets.V5, "alias-none-zero").props(Props.of().u16(Props.TOPIC_ALIAS_MAXIMUM, 0).build()),
        };
        for (Packets.Connect connect : connects) {
            try (RawClient c = Raw.connected(broker.port(), connect)) {
                Raw.subscribe(c, Packets.V5, 1, "alias/none", 0);
                for (int i = 0; i < 3; i++) {
                    c.send(Raw.publish5("alias/none", 0, false, 0, Props.none(), "m" + i));
                    Received.Publish p = Raw.publish(c);
                    assertThat(p.topic()).isEqualTo("alias/none");
                    assertThat(p.properties().has(Props.TOPIC_ALIAS)).isFalse();
                }
            }
        }
    }

    // --- helpers --------------------------------------------------------------------------------

    /** Reads our own acknowledgement and the delivery in either order; acknowledges the delivery. */
    private static Received.Publish nextPublish(RawClient c, int publishedQos) {
        Received.Publish got = null;
        int packets = publishedQos == 0 ? 1 : 2;
        for (int i = 0; i < packets; i++) {
            Received r = c.receive();
            if (r.type() == Received.PUBLISH) {
                got = r.publish();
            } else if (r.type() == Received.PUBREC) {
                c.send(Packets.pubrel(r.ack().packetId()));
                packets++;
            }
        }
        assertThat(got).isNotNull();
        ack(c, got);
        if (got.qos() == 2) {
            c.expect(Received.PUBREL);
            c.send(Packets.pubcomp(got.packetId()));
        }
        return got;
    }

    private static void ack(RawClient c, Received.Publish p) {
        if (p.qos() == 1) {
            c.send(Packets.puback(p.packetId()));
        } else if (p.qos() == 2) {
            c.send(Packets.pubrec(p.packetId()));
        }
    }

    /** Acknowledges a delivery to the end of its QoS flow. */
    private static void complete(RawClient c, Received.Publish p) {
        ack(c, p);
        if (p.qos() == 2) {
            assertThat(c.expect(Received.PUBREL).ack().packetId()).isEqualTo(p.packetId());
            c.send(Packets.pubcomp(p.packetId()));
        }
    }

    private static void drainAck(RawClient pub, int qos) {
        if (qos == 1) {
            pub.expect(Received.PUBACK);
        } else if (qos == 2) {
            int id = pub.expect(Received.PUBREC).ack().packetId();
            pub.send(Packets.pubrel(id));
            pub.expect(Received.PUBCOMP);
        }
    }
}
