package dev.tern.broker.conformance;

import dev.tern.broker.Broker;
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
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Section 4.1 and 3.1.2.11.2, session state: what survives a disconnect (subscriptions, queued
 * QoS 1/2 messages), how long (MQTT 5 Session Expiry Interval, changed on DISCONNECT), and
 * take-over of a connected client id.
 */
@Execution(ExecutionMode.CONCURRENT) // the tests wait on timers; each uses its own client ids and topics
class Ch4SessionStateIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withMqtt(m -> m.sessionScanIntervalMs(100));

    private static Packets.Connect v5(String id, boolean cleanStart, long expiry) {
        return Packets.connect(Packets.V5, id).cleanStart(cleanStart)
            .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, expiry).build());
    }

    private static boolean sessionPresent(Packets.Connect connect) {
        try (RawClient c = RawClient.connect(broker.port())) {
            boolean present = c.connect(connect).sessionPresent();
            c.send(Packets.disconnect());
            return present;
        }
    }

    private static void awaitSessionGone(String clientId) {
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker().sessions().get(clientId) == null);
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-5", "v311:MQTT-4.5.0-1", "v311:MQTT-4.1.0-1", "v311:MQTT-3.1.2-4",
        "v311:MQTT-3.2.2-2"})
    void v311PersistentSessionQueuesQos1And2ButNotQos0() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V311, "queue-311").cleanStart(false))) {
            Raw.subscribe(c, Packets.V311, 1, "queue311/#", 2);
            c.send(Packets.disconnect());
        }
        // offline for the broker too: a QoS 0 message racing the DISCONNECT may still be queued
        await().atMost(Duration.ofSeconds(5)).until(() -> !broker.broker().sessions().get("queue-311").isOnline());
        try (RawClient pub = Raw.v311(broker.port(), "queue-311-pub")) {
            pub.send(Packets.publish(Packets.V311, "queue311/0", 0, 0, "qos0"));
            pub.send(Packets.publish(Packets.V311, "queue311/1", 1, 1, "qos1"));
            pub.expect(Received.PUBACK);
            pub.send(Packets.publish(Packets.V311, "queue311/2", 2, 2, "qos2"));
            pub.expect(Received.PUBREC);
            pub.send(Packets.pubrel(2));
            pub.expect(Received.PUBCOMP);
        }
        try (RawClient c = RawClient.connect(broker.port())) {
            assertThat(c.connect(Packets.connect(Packets.V311, "queue-311").cleanStart(false)).sessionPresent()).isTrue();
            Received.Publish one = Raw.publish(c);
            assertThat(one.payloadText()).isEqualTo("qos1");
            c.send(Packets.puback(one.packetId()));
            Received.Publish two = Raw.publish(c);
            assertThat(two.payloadText()).isEqualTo("qos2");
            c.send(Packets.pubrec(two.packetId()));
            c.expect(Received.PUBREL);
            c.send(Packets.pubcomp(two.packetId()));
            c.expectNothing(Raw.QUIET);
            c.send(Packets.disconnect());
        }
        sessionPresent(Packets.connect(Packets.V311, "queue-311")); // clean session: discard
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-6", "v311:MQTT-3.2.2-1", "v311:MQTT-3.2.2-3", "v311:MQTT-3.1.4-3",
        "v311:MQTT-4.1.0-2"})
    void v311CleanSessionIsNotKept() {
        assertThat(sessionPresent(Packets.connect(Packets.V311, "clean-311").cleanStart(true))).isFalse();
        assertThat(sessionPresent(Packets.connect(Packets.V311, "clean-311").cleanStart(false))).isFalse();
        assertThat(sessionPresent(Packets.connect(Packets.V311, "clean-311").cleanStart(false))).isTrue();
        assertThat(sessionPresent(Packets.connect(Packets.V311, "clean-311").cleanStart(true))).isFalse();
        assertThat(sessionPresent(Packets.connect(Packets.V311, "clean-311").cleanStart(false))).isFalse();
        sessionPresent(Packets.connect(Packets.V311, "clean-311"));
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-7"})
    void v311RetainedMessagesOutliveTheSession() {
        try (RawClient c = Raw.v311(broker.port(), "retained-owner")) {
            c.send(Packets.publish(Packets.V311, "session311/retained", 1, true, false, 1, new byte[0], Raw.utf8("kept")));
            c.expect(Received.PUBACK);
        }
        try (RawClient c = Raw.v311(broker.port(), "retained-reader")) {
            Raw.subscribe(c, Packets.V311, 1, "session311/retained", 0);
            assertThat(Raw.publish(c).payloadText()).isEqualTo("kept");
            c.send(Packets.publish(Packets.V311, "session311/retained", 0, true, false, 0, new byte[0], new byte[0]));
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.4-2", "v311:MQTT-3.2.2-2"})
    void v311SecondConnectionWithTheClientIdTakesOver() {
        try (RawClient first = Raw.connected(broker.port(), Packets.connect(Packets.V311, "steal-311").cleanStart(false))) {
            Raw.subscribe(first, Packets.V311, 1, "steal311", 1);
            try (RawClient second = RawClient.connect(broker.port())) {
                assertThat(second.connect(Packets.connect(Packets.V311, "steal-311").cleanStart(false)).sessionPresent())
                    .isTrue();
                Raw.expectClosedSilently(first);
                second.send(Packets.publish(Packets.V311, "steal311", 0, 0, "to the new one"));
                assertThat(Raw.publish(second).payloadText()).isEqualTo("to the new one");
                second.send(Packets.disconnect());
            }
        }
        sessionPresent(Packets.connect(Packets.V311, "steal-311"));
    }

    // --- MQTT 5 ---------------------------------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-4.1.0-2", "v5:MQTT-3.2.2-3"})
    void v5AbsentSessionExpiryEndsTheSessionWithTheConnection() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "expiry-absent").cleanStart(false))) {
            Raw.subscribe(c, Packets.V5, 1, "expiry/absent", 1);
            c.send(Packets.disconnect());
        }
        awaitSessionGone("expiry-absent");
        assertThat(sessionPresent(Packets.connect(Packets.V5, "expiry-absent").cleanStart(false))).isFalse();
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-23", "v5:MQTT-4.1.0-2", "v5:MQTT-4.1.0-1"})
    void v5SessionLivesForItsExpiryInterval() {
        assertThat(sessionPresent(v5("expiry-1", true, 2))).isFalse();
        assertThat(sessionPresent(v5("expiry-1", false, 2))).as("within the interval").isTrue();
        awaitSessionGone("expiry-1");
        assertThat(sessionPresent(v5("expiry-1", false, 0))).as("after the interval").isFalse();
    }

    /** Paho's test_session_expiry: DISCONNECT lengthens the interval, then ends the session with 0. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-23", "v5:MQTT-4.1.0-2"})
    void v5DisconnectChangesTheSessionExpiry() {
        try (RawClient c = Raw.connected(broker.port(), v5("expiry-change", true, 1))) {
            Raw.subscribe(c, Packets.V5, 1, "expiry/change", 1);
            c.send(Packets.disconnect(0, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 30).build()));
        }
        // outlives the one second it connected with
        await().pollDelay(Duration.ofMillis(1600)).atMost(Duration.ofSeconds(4))
            .until(() -> broker.broker().sessions().get("expiry-change") != null);
        try (RawClient c = RawClient.connect(broker.port())) {
            assertThat(c.connect(v5("expiry-change", false, 1)).sessionPresent()).isTrue();
            c.send(Packets.disconnect(0, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 0).build()));
        }
        awaitSessionGone("expiry-change");
        assertThat(sessionPresent(v5("expiry-change", false, 0))).isFalse();
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5DisconnectCannotGiveASessionExpiryWhenConnectHadNone() {
        try (RawClient c = Raw.connected(broker.port(), v5("expiry-zero", true, 0))) {
            c.send(Packets.disconnect(0, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 30).build()));
            Raw.expectDisconnect(c, 0x82);
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.5.0-1", "v5:MQTT-3.1.2-5", "v5:MQTT-3.1.2-23"})
    void v5OfflineSessionQueuesQos1And2ButNotQos0() {
        try (RawClient c = Raw.connected(broker.port(), v5("queue-5", true, 60))) {
            Raw.subscribe(c, Packets.V5, 1, "queue5/#", 2);
            c.send(Packets.disconnect());
        }
        // offline for the broker too: a QoS 0 message racing the DISCONNECT may still be queued
        await().atMost(Duration.ofSeconds(5)).until(() -> !broker.broker().sessions().get("queue-5").isOnline());
        try (RawClient pub = Raw.v5(broker.port(), "queue-5-pub")) {
            pub.send(Raw.publish5("queue5/0", 0, false, 0, Props.none(), "qos0"));
            pub.send(Raw.publish5("queue5/1", 1, false, 1, Props.none(), "qos1"));
            pub.expect(Received.PUBACK);
            pub.send(Raw.publish5("queue5/2", 2, false, 2, Props.none(), "qos2"));
            pub.expect(Received.PUBREC);
            pub.send(Packets.pubrel(2));
            pub.expect(Received.PUBCOMP);
        }
        try (RawClient c = RawClient.connect(broker.port())) {
            assertThat(c.connect(v5("queue-5", false, 0)).sessionPresent()).isTrue();
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Received.Publish p = Raw.publish(c);
                got.add(p.payloadText());
                if (p.qos() == 1) {
                    c.send(Packets.puback(p.packetId()));
                } else {
                    c.send(Packets.pubrec(p.packetId()));
                    c.expect(Received.PUBREL);
                    c.send(Packets.pubcomp(p.packetId()));
                }
            }
            assertThat(got).containsExactly("qos1", "qos2");
            c.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.4-3", "v5:MQTT-3.1.2-5", "v5:MQTT-3.14.2-1", "v5:MQTT-3.14.2-2"})
    void v5SecondConnectionTakesOverWithSessionTakenOver() {
        try (RawClient first = Raw.connected(broker.port(), v5("steal-5", true, 60))) {
            Raw.subscribe(first, Packets.V5, 1, "steal5", 1);
            try (RawClient second = RawClient.connect(broker.port())) {
                assertThat(second.connect(v5("steal-5", false, 0)).sessionPresent()).isTrue();
                Raw.expectDisconnect(first, 0x8E);
                second.send(Raw.publish5("steal5", 0, false, 0, Props.none(), "to the new one"));
                assertThat(Raw.publish(second).payloadText()).isEqualTo("to the new one");
            }
        }
    }

    /** allowLinkStealing false: the newcomer is refused and the connected client keeps working. */
    @Test
    @Conformance({"v5:MQTT-3.1.4-2", "v5:MQTT-3.2.2-7"})
    void v5WithoutLinkStealingTheNewcomerIsRefused() {
        try (Broker b = Raw.broker(m -> m.allowLinkStealing(false));
             RawClient first = Raw.v5(b.port(), "no-steal");
             RawClient second = RawClient.connect(b.port())) {
            second.v5(true).send(Packets.connect(Packets.V5, "no-steal").build());
            List<Received> got = second.expectClosed();
            assertThat(got).hasSize(1);
            assertThat(got.get(0).connack().reasonCode()).isGreaterThanOrEqualTo(0x80);
            first.send(Packets.pingreq());
            first.expect(Received.PINGRESP);
        }
    }
}
