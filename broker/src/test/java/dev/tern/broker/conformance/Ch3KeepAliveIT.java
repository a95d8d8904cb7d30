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
 * Section 3.1.2.10, keep alive: the server closes a connection silent for 1.5 times the
 * keep-alive (MQTT 5: DISCONNECT 0x8D first) and publishes the will; PINGREQ keeps it open; and
 * the MQTT 5 Server Keep Alive.
 */
@Execution(ExecutionMode.CONCURRENT) // the tests wait on timers; each uses its own client ids and topics
class Ch3KeepAliveIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    /** More than 1.5 times a one-second keep-alive, with room for a slow machine. */
    private static final Duration TIMES_OUT = Duration.ofSeconds(5);

    @Test
    @Conformance({"v311:MQTT-3.1.2-24", "v311:MQTT-3.1.2-8"})
    void v311SilentClientIsDisconnectedAndItsWillPublished() {
        try (RawClient w = Raw.v311(broker.port(), "ka311-watch")) {
            Raw.subscribe(w, Packets.V311, 1, "ka311/will", 0);
            try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V311, "ka311").keepAlive(1)
                .will("ka311/will", "timed out", 0, false))) {
                // not at one keep-alive period: only after one and a half
                c.expectNothing(Duration.ofMillis(1200));
                assertThat(c.expectClosed(TIMES_OUT)).isEmpty();
            }
            assertThat(Raw.publish(w).payloadText()).isEqualTo("timed out");
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.1.2-24", "v311:MQTT-3.12.4-1"})
    void v311PingsKeepTheConnectionOpen() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V311, "ka311-ping").keepAlive(1))) {
            for (int i = 0; i < 4; i++) {
                c.expectNothing(Duration.ofMillis(500));
                c.send(Packets.pingreq());
                assertThat(c.expect(Received.PINGRESP).raw()).containsExactly(0xD0, 0x00);
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-22", "v5:MQTT-3.1.2-8", "v5:MQTT-4.13.2-1"})
    void v5SilentClientIsDisconnectedWith0x8DAndItsWillPublished() {
        try (RawClient w = Raw.v5(broker.port(), "ka5-watch")) {
            Raw.subscribe(w, Packets.V5, 1, "ka5/will", 0);
            try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "ka5").keepAlive(1)
                .will("ka5/will", "timed out", 0, false))) {
                c.expectNothing(Duration.ofMillis(700));
                java.util.List<Received> got = c.expectClosed(TIMES_OUT);
                assertThat(got).hasSize(1);
                assertThat(got.get(0).disconnect().reasonCode()).isEqualTo(0x8D);
            }
            assertThat(Raw.publish(w).payloadText()).isEqualTo("timed out");
        }
    }

    @Test
    @Conformance({"v5:MQTT-3.1.2-22", "v5:MQTT-3.12.4-1", "v5:MQTT-3.2.2-22"})
    void v5PingsKeepTheConnectionOpen() {
        try (RawClient c = RawClient.connect(broker.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "ka5-ping").keepAlive(1));
            // within the server's limit: no Server Keep Alive, so the client's one second applies
            assertThat(ack.properties().has(Props.SERVER_KEEP_ALIVE)).isFalse();
            for (int i = 0; i < 4; i++) {
                c.expectNothing(Duration.ofMillis(500));
                c.send(Packets.pingreq());
                assertThat(c.expect(Received.PINGRESP).raw()).containsExactly(0xD0, 0x00);
            }
        }
    }

    /**
     * Many connections time out in the same timer tick while others stay: each silent one is
     * closed, the ones that ping are not (the timers of an event loop's connections are one list).
     */
    @Test
    @Conformance({"v311:MQTT-3.1.2-24"})
    void manySilentClientsTimeOutTogetherWhileActiveOnesStay() {
        java.util.List<RawClient> silent = new java.util.ArrayList<>();
        java.util.List<RawClient> active = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                silent.add(Raw.connected(broker.port(), Packets.connect(Packets.V311, "ka-many-s" + i).keepAlive(1)));
                if (i % 4 == 0) {
                    active.add(Raw.connected(broker.port(), Packets.connect(Packets.V311, "ka-many-a" + i).keepAlive(1)));
                }
            }
            for (int round = 0; round < 6; round++) {
                for (RawClient a : active) {
                    a.send(Packets.pingreq());
                }
                for (RawClient a : active) {
                    a.expect(Received.PINGRESP);
                }
                active.get(0).expectNothing(Duration.ofMillis(500));
            }
            for (RawClient s : silent) {
                assertThat(s.expectClosed(TIMES_OUT)).isEmpty();
            }
            for (RawClient a : active) {
                a.send(Packets.pingreq());
                assertThat(a.expect(Received.PINGRESP).raw()).containsExactly(0xD0, 0x00);
            }
        } finally {
            silent.forEach(RawClient::close);
            active.forEach(RawClient::close);
        }
    }

    /** Any packet counts as activity, not only PINGREQ. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-22"})
    void v5AnyPacketKeepsTheConnectionOpen() {
        try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "ka5-any").keepAlive(1))) {
            for (int i = 0; i < 4; i++) {
                c.expectNothing(Duration.ofMillis(500));
                c.send(Raw.publish5("ka5/any", 0, false, 0, Props.none(), "tick"));
            }
            c.send(Packets.pingreq());
            c.expect(Received.PINGRESP);
        }
    }

    /**
     * Tern's serverKeepAlive rule (the Artemis reference): a client asking for more than the
     * server's value, or for none, is told the server's value and held to it.
     */
    @Test
    @Conformance({"v5:MQTT-3.1.2-22"})
    void v5ServerKeepAliveIsAnnouncedAndEnforced() {
        try (Broker b = Raw.broker(m -> m.serverKeepAlive(1))) {
            for (int asked : new int[]{120, 0}) {
                try (RawClient c = RawClient.connect(b.port())) {
                    Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "ska-" + asked).keepAlive(asked));
                    assertThat(ack.properties().integer(Props.SERVER_KEEP_ALIVE)).isEqualTo(1);
                    java.util.List<Received> got = c.expectClosed(TIMES_OUT);
                    assertThat(got).hasSize(1);
                    assertThat(got.get(0).disconnect().reasonCode()).isEqualTo(0x8D);
                }
            }
        }
    }

    /** With the default serverKeepAlive of 60 a client asking for 120 is told 60 (Paho's test_server_keep_alive). */
    @Test
    void v5DefaultServerKeepAliveIs60() {
        try (RawClient c = RawClient.connect(broker.port())) {
            Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, "ska-default").keepAlive(120));
            assertThat(ack.properties().integer(Props.SERVER_KEEP_ALIVE)).isEqualTo(60);
        }
    }
}
