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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 3.1.2.5 and 3.1.3.2, the will: published when the connection ends without a normal
 * DISCONNECT, with its QoS, RETAIN and properties; discarded by DISCONNECT 0x00; delayed by the
 * MQTT 5 Will Delay Interval, cancelled by a reconnect within it, cut short by session expiry.
 */
@Execution(ExecutionMode.CONCURRENT) // the tests wait on timers; each uses its own client ids and topics
class Ch3WillIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    /** Long enough for a will to arrive on a loaded machine; the timing tests use shorter delays. */
    private static final Duration ARRIVES = Duration.ofSeconds(5);

    private static Packets.Connect v311Will(String id, String topic, int qos, boolean retain) {
        return Packets.connect(Packets.V311, id).will(topic, "will of " + id, qos, retain);
    }

    private static Packets.Connect v5Will(String id, String topic, long sessionExpiry, long willDelay) {
        return Packets.connect(Packets.V5, id).cleanStart(true)
            .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, sessionExpiry).build())
            .will(topic, Raw.utf8("will of " + id), 0, false, Props.of().u32(Props.WILL_DELAY_INTERVAL, willDelay).build());
    }

    private static RawClient watcher(int version, String topic) {
        RawClient w = version == Packets.V5 ? Raw.v5(broker.port(), "watch-" + topic.replace('/', '-'))
            : Raw.v311(broker.port(), "watch-" + topic.replace('/', '-'));
        Raw.subscribe(w, version, 1, topic, 2);
        return w;
    }

    // --- MQTT 3.1.1 -----------------------------------------------------------------------------

    @Test
    @Conformance({"v311:MQTT-3.1.2-8", "v311:MQTT-3.1.2-16", "v311:MQTT-3.1.2-10"})
    void v311WillIsPublishedWhenTheConnectionDrops() {
        try (RawClient w = watcher(Packets.V311, "will311/drop");
             RawClient c = Raw.connected(broker.port(), v311Will("will-drop", "will311/drop", 1, false))) {
            c.drop();
            Received.Publish p = Raw.publish(w);
            assertThat(p.payloadText()).isEqualTo("will of will-drop");
            assertThat(p.qos()).isEqualTo(1);
            assertThat(p.retain()).isFalse();
            w.send(Packets.puback(p.packetId()));
            // published once, then gone from the session
            w.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-17", "v311:MQTT-3.3.1-8", "v311:MQTT-3.3.1-9"})
    void v311RetainedWillIsRetained() {
        try (RawClient w = watcher(Packets.V311, "will311/retain");
             RawClient c = Raw.connected(broker.port(), v311Will("will-retain", "will311/retain", 0, true))) {
            c.drop();
            // to an established subscription the will arrives with RETAIN 0 [MQTT-3.3.1-9]
            assertThat(Raw.publish(w).retain()).isFalse();
        }
        try (RawClient late = Raw.v311(broker.port(), "will-retain-late")) {
            Raw.subscribe(late, Packets.V311, 1, "will311/retain", 0);
            Received.Publish p = Raw.publish(late);
            assertThat(p.retain()).isTrue();
            assertThat(p.payloadText()).isEqualTo("will of will-retain");
            late.send(Packets.publish(Packets.V311, "will311/retain", 0, true, false, 0, new byte[0], new byte[0]));
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.14.4-3", "v311:MQTT-3.1.2-10"})
    void v311NoWillAfterDisconnect() {
        try (RawClient w = watcher(Packets.V311, "will311/disconnect");
             RawClient c = Raw.connected(broker.port(), v311Will("will-disc", "will311/disconnect", 0, false))) {
            c.send(Packets.disconnect());
            assertThat(c.expectClosed()).isEmpty();
            w.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-12"})
    void v311NoWillFlagNoWill() {
        try (Broker b = Raw.broker(m -> m); RawClient w = Raw.v311(b.port(), "all-watch")) {
            Raw.subscribe(w, Packets.V311, 1, "#", 2);
            try (RawClient c = Raw.v311(b.port(), "no-will")) {
                c.drop();
            }
            w.expectNothing(Raw.QUIET);
        }
    }

    /** The old connection of a taken-over client id ends without DISCONNECT: its will goes out. */
    @Test
    @Conformance({"v311:MQTT-3.1.4-2", "v311:MQTT-3.1.2-8"})
    void v311TakeOverClosesTheOldConnectionAndPublishesItsWill() {
        try (RawClient w = watcher(Packets.V311, "will311/takeover");
             RawClient old = Raw.connected(broker.port(), v311Will("will-takeover", "will311/takeover", 0, false));
             RawClient fresh = Raw.v311(broker.port(), "will-takeover")) {
            Raw.expectClosedSilently(old);
            assertThat(Raw.publish(w).payloadText()).isEqualTo("will of will-takeover");
            fresh.send(Packets.pingreq());
            fresh.expect(Received.PINGRESP);
        }
    }

    /**
     * A will topic with a wildcard breaks the topic name rules; no 3.1.1 return code says so, so the
     * server closes without CONNACK.
     */
    @Test
    @Conformance({"v311:MQTT-3.2.2-6", "v311:MQTT-4.7.1-1"})
    void v311WillTopicWithWildcardClosesWithoutConnack() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(v311Will("will-wild", "will311/+", 0, false).build());
            Raw.expectClosedSilently(c);
        }
    }

    // --- MQTT 5 ---------------------------------------------------------------------------------

    @Test
    @Conformance({"v5:MQTT-3.1.2-7", "v5:MQTT-3.1.2-8", "v5:MQTT-3.1.2-14", "v5:MQTT-3.1.3-10", "v5:MQTT-3.3.2-4",
        "v5:MQTT-3.3.2-15", "v5:MQTT-3.3.2-16", "v5:MQTT-3.3.2-20"})
    void v5WillIsPublishedWithItsProperties() {
        byte[] willProps = Props.of().u8(Props.PAYLOAD_FORMAT_INDICATOR, 1).string(Props.CONTENT_TYPE, "text/plain")
            .string(Props.RESPONSE_TOPIC, "will5/reply").binary(Props.CORRELATION_DATA, new byte[]{1, 2, 3})
            .user("a", "2").user("c", "3").user("a", "1").build();
        try (RawClient w = watcher(Packets.V5, "will5/props");
             RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "will5-props")
                 .will("will5/props", Raw.utf8("gone"), 2, false, willProps))) {
            c.drop();
            Received.Publish p = Raw.publish(w);
            assertThat(p.payloadText()).isEqualTo("gone");
            assertThat(p.qos()).isEqualTo(2);
            assertThat(p.retain()).isFalse();
            assertThat(p.properties().integer(Props.PAYLOAD_FORMAT_INDICATOR)).isEqualTo(1);
            assertThat(p.properties().string(Props.CONTENT_TYPE)).isEqualTo("text/plain");
            assertThat(p.properties().string(Props.RESPONSE_TOPIC)).isEqualTo("will5/reply");
            assertThat((byte[]) p.properties().get(Props.CORRELATION_DATA)).containsExactly(1, 2, 3);
            assertThat(p.properties().all(Props.USER_PROPERTY)).extracting(v -> String.join("=", (String[]) v))
                .containsExactly("a=2", "c=3", "a=1");
            w.send(Packets.pubrec(p.packetId()));
            w.expect(Received.PUBREL);
            w.send(Packets.pubcomp(p.packetId()));
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-15"})
    void v5RetainedWillIsRetained() {
        try (RawClient w = watcher(Packets.V5, "will5/retain");
             RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "will5-retain")
                 .will("will5/retain", Raw.utf8("retained will"), 1, true, Props.none()))) {
            c.drop();
            Received.Publish first = Raw.publish(w);
            w.send(Packets.puback(first.packetId()));
        }
        try (RawClient late = Raw.v5(broker.port(), "will5-retain-late")) {
            Raw.subscribe(late, Packets.V5, 1, "will5/retain", 1);
            Received.Publish p = Raw.publish(late);
            assertThat(p.retain()).isTrue();
            assertThat(p.payloadText()).isEqualTo("retained will");
            late.send(Packets.puback(p.packetId()));
            late.send(Raw.publish5("will5/retain", 0, true, 0, Props.none(), ""));
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.14.4-3", "v5:MQTT-3.1.2-10"})
    void v5NoWillAfterNormalDisconnect() {
        try (RawClient w = watcher(Packets.V5, "will5/normal");
             RawClient c = Raw.connected(broker.port(), v5Will("will5-normal", "will5/normal", 0, 0))) {
            c.send(Packets.disconnect(0x00, Props.none()));
            assertThat(c.expectClosed()).isEmpty();
            w.expectNothing(Raw.QUIET);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-8", "v5:MQTT-3.14.2-1"})
    void v5DisconnectWithWillMessagePublishesTheWill() {
        try (RawClient w = watcher(Packets.V5, "will5/with");
             RawClient c = Raw.connected(broker.port(), v5Will("will5-with", "will5/with", 0, 0))) {
            c.send(Packets.disconnect(0x04, Props.none()));
            assertThat(c.expectClosed()).isEmpty();
            assertThat(Raw.publish(w).payloadText()).isEqualTo("will of will5-with");
        }
    }

    /** Only reason 0x00 deletes the will: a client that disconnects with an error still has it sent. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-8", "v5:MQTT-3.14.4-3"})
    void v5DisconnectWithAnErrorPublishesTheWill() {
        try (RawClient w = watcher(Packets.V5, "will5/error");
             RawClient c = Raw.connected(broker.port(), v5Will("will5-error", "will5/error", 0, 0))) {
            c.send(Packets.disconnect(0x80, Props.none()));
            assertThat(c.expectClosed()).isEmpty();
            assertThat(Raw.publish(w).payloadText()).isEqualTo("will of will5-error");
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-8"})
    void v5ProtocolErrorPublishesTheWill() {
        try (RawClient w = watcher(Packets.V5, "will5/violation");
             RawClient c = Raw.connected(broker.port(), v5Will("will5-violation", "will5/violation", 0, 0))) {
            c.send(Raw.publish5("will5/+", 0, false, 0, Props.none(), "wildcard"));
            Raw.expectDisconnect(c, 0x90);
            assertThat(Raw.publish(w).payloadText()).isEqualTo("will of will5-violation");
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-8"})
    void v5WillDelayHoldsTheWillBack() {
        try (RawClient w = watcher(Packets.V5, "will5/delay");
             RawClient c = Raw.connected(broker.port(), v5Will("will5-delay", "will5/delay", 30, 2))) {
            c.drop();
            w.expectNothing(Duration.ofMillis(1000));
            Received.Publish p = w.expect(Received.PUBLISH).publish();
            assertThat(p.payloadText()).isEqualTo("will of will5-delay");
        }
        discardSession("will5-delay");
    }

    @Test
    @Conformance({"v5:MQTT-3.1.3-9", "v5:MQTT-3.1.2-8"})
    void v5ReconnectWithinTheWillDelayCancelsTheWill() {
        try (RawClient w = watcher(Packets.V5, "will5/cancel")) {
            try (RawClient c = Raw.connected(broker.port(), v5Will("will5-cancel", "will5/cancel", 30, 2))) {
                c.drop();
            }
            try (RawClient back = RawClient.connect(broker.port())) {
                assertThat(back.connect(Packets.connect(Packets.V5, "will5-cancel").cleanStart(false)
                    .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 30).build())).sessionPresent()).isTrue();
                w.expectNothing(Duration.ofMillis(2500));
                back.send(Packets.disconnect(0, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 0).build()));
            }
            w.expectNothing(Raw.QUIET);
        }
    }

    /** The will goes out when the session ends, even if its delay is longer. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-8"})
    void v5SessionEndBeforeTheWillDelayPublishesTheWill() {
        try (RawClient w = watcher(Packets.V5, "will5/expiry");
             RawClient c = Raw.connected(broker.port(), v5Will("will5-expiry", "will5/expiry", 2, 60))) {
            c.drop();
            // not before the session's 2 s end (nor at the will delay's 60 s)
            w.expectNothing(Duration.ofMillis(1200));
            Received.Publish p = w.receive(ARRIVES).publish();
            assertThat(p.payloadText()).isEqualTo("will of will5-expiry");
        }
    }

    /**
     * DISCONNECT 0x04 (with will message) that also shortens the Session Expiry Interval: the will
     * goes out when the first of the will delay and the new session expiry ends.
     */
    @Test
    @Conformance({"v5:MQTT-3.1.2-8", "v5:MQTT-3.14.2-1"})
    void v5DisconnectWithWillAndAShorterSessionExpiryPublishesTheWillWhenTheSessionEnds() {
        try (RawClient w = watcher(Packets.V5, "will5/shortened");
             RawClient c = Raw.connected(broker.port(), v5Will("will5-shortened", "will5/shortened", 300, 60))) {
            c.send(Packets.disconnect(0x04, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 2).build()));
            assertThat(c.expectClosed()).isEmpty();
            w.expectNothing(Duration.ofMillis(1200));
            Received.Publish p = w.receive(ARRIVES).publish();
            assertThat(p.payloadText()).isEqualTo("will of will5-shortened");
        }
        try (RawClient back = RawClient.connect(broker.port())) {
            // the session ended with the will: nothing to resume
            assertThat(back.connect(Packets.connect(Packets.V5, "will5-shortened").cleanStart(false)).sessionPresent()).isFalse();
            back.send(Packets.disconnect());
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-8"})
    void v5SessionExpiryZeroPublishesTheWillAtOnce() {
        try (RawClient w = watcher(Packets.V5, "will5/now");
             RawClient c = Raw.connected(broker.port(), v5Will("will5-now", "will5/now", 0, 60))) {
            c.drop();
            assertThat(w.receive(Duration.ofSeconds(2)).publish().payloadText()).isEqualTo("will of will5-now");
        }
    }

    /** A Clean Start connection for the client id ends the old session, whose delayed will then goes out. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-8", "v5:MQTT-3.1.2-4"})
    void v5CleanStartEndsTheOldSessionAndItsPendingWill() {
        try (RawClient w = watcher(Packets.V5, "will5/clean")) {
            try (RawClient c = Raw.connected(broker.port(), v5Will("will5-clean", "will5/clean", 60, 60))) {
                c.drop();
            }
            w.expectNothing(Raw.QUIET);
            try (RawClient fresh = Raw.v5(broker.port(), "will5-clean")) {
                assertThat(Raw.publish(w).payloadText()).isEqualTo("will of will5-clean");
                fresh.send(Packets.disconnect());
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.4-2"})
    void v5WillPayloadThatIsNotUtf8AsAnnouncedIsRefused() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.v5(true).send(Packets.connect(Packets.V5, "will5-pfi").will("will5/pfi", new byte[]{(byte) 0xFF, 0x00}, 0, false,
                Props.of().u8(Props.PAYLOAD_FORMAT_INDICATOR, 1).build()).build());
            Raw.expectRefused(c, 0x99);
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.4-2", "v5:MQTT-4.7.0-1"})
    void v5WillTopicWithWildcardIsRefused() {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.v5(true).send(Packets.connect(Packets.V5, "will5-wild").will("will5/#", "x", 0, false).build());
            Raw.expectRefused(c, 0x90);
        }
    }

    private static void discardSession(String clientId) {
        try (RawClient c = Raw.v5(broker.port(), clientId)) {
            c.send(Packets.disconnect());
        }
    }
}
