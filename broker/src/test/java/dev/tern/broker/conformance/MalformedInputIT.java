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
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad bytes after a valid CONNECT, in the manner of Mosquitto's 13-malformed tests: broken
 * lengths, truncated fields, reserved and server-only packet types, bad reason codes. MQTT 5 gets
 * DISCONNECT 0x81 (malformed) or 0x82 (protocol error) then a close; 3.1.1 a close. Every case
 * also checks that an unrelated pair of clients keeps working.
 */
class MalformedInputIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    /** Malformed packets: five-byte remaining length, truncated topic, truncated packet id, PINGREQ with a body, empty PUBLISH. */
    private static final String[] MALFORMED = {
        "30 ff ff ff ff 01",
        "30 05 00 0a 61 62 63",
        "40 01 00",
        "c0 01 00",
        "30 00",
        "32 04 00 01 61 00",
        "a2 03 00 01 00",
    };

    /**
     * CONNECT, a PINGREQ and a malformed PUBLISH in one write, to a broker whose CONNACK waits for
     * the store (RocksDB, a session that outlives the connection): the bad packet arrives while
     * CONNECT is still being handled, and still gets its reason code, after CONNACK and after the
     * answer to the packet before it.
     */
    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5BadPacketRightBehindConnectIsAnsweredAfterConnack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        dev.tern.broker.BrokerConfig config = dev.tern.broker.BrokerConfig.builder().tcp("127.0.0.1", 0)
            .storage(dev.tern.broker.StorageConfig.rocksdb(dev.tern.broker.StorageConfig.Durability.PROCESS))
            .dataDir(dir).ioThreads(1).build();
        try (Broker b = Broker.builder().config(config).build().start(); RawClient c = RawClient.connect(b.port())) {
            c.v5(true);
            c.send(Wire.concat(
                Packets.connect(Packets.V5, "behind-connect")
                    .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).build()).build(),
                Packets.pingreq(),
                Wire.hex("36 04 00 01 61 00"))); // PUBLISH with QoS 3: malformed
            List<Received> got = c.expectClosed();
            assertThat(got).extracting(Received::type)
                .containsExactly(Received.CONNACK, Received.PINGRESP, Received.DISCONNECT);
            assertThat(got.get(0).connack().reasonCode()).isZero();
            assertThat(got.get(2).disconnect().reasonCode()).isEqualTo(0x81);
        }
    }

    @Test
    @Conformance({"v311:MQTT-4.8.0-1", "v311:MQTT-2.2.2-2"})
    void v311MalformedPacketsCloseTheConnection() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port())) {
            for (String bytes : MALFORMED) {
                try (RawClient c = Raw.v311(broker.port(), "malformed-311")) {
                    c.send(bytes);
                    Raw.expectClosedSilently(c);
                }
                other.assertUnaffected();
            }
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1", "v5:MQTT-4.13.2-1", "v5:MQTT-3.14.4-1", "v5:MQTT-3.14.4-2", "v5:MQTT-3.14.0-1"})
    void v5MalformedPacketsGetDisconnect0x81() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port())) {
            for (String bytes : MALFORMED) {
                try (RawClient c = Raw.v5(broker.port(), "malformed-5")) {
                    // "a2 03 00 01 00" is an UNSUBSCRIBE without filters in MQTT 5: a protocol error
                    c.send(bytes);
                    Raw.expectDisconnect(c, bytes.startsWith("a2") ? 0x82 : 0x81);
                }
                other.assertUnaffected();
            }
        }
    }

    /** Packet type 0 is reserved; 15 is AUTH in MQTT 5 and reserved in 3.1.1. */
    @ParameterizedTest
    @ValueSource(strings = {"00 00", "f0 00", "0f 02 00 01"})
    @Conformance({"v311:MQTT-2.2.2-2", "v311:MQTT-4.8.0-1"})
    void v311ReservedPacketTypesCloseTheConnection(String bytes) {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = Raw.v311(broker.port(), "reserved-type-311")) {
            c.send(bytes);
            Raw.expectClosedSilently(c);
            other.assertUnaffected();
        }
    }

    @Test
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5ReservedPacketTypeIsMalformed() {
        try (Raw.Bystander other = Raw.Bystander.start(broker.port()); RawClient c = Raw.v5(broker.port(), "reserved-type-5")) {
            c.send("00 00");
            Raw.expectDisconnect(c, 0x81);
            other.assertUnaffected();
        }
    }

    /** CONNACK, SUBACK, UNSUBACK and PINGRESP travel from server to client only. */
    @ParameterizedTest
    @ValueSource(strings = {"20 02 00 00", "90 03 00 01 00", "b0 02 00 01", "d0 00"})
    @Conformance({"v311:MQTT-4.8.0-1"})
    void v311ServerPacketsFromTheClientCloseTheConnection(String bytes) {
        try (RawClient c = Raw.v311(broker.port(), "server-packet-311")) {
            c.send(bytes);
            Raw.expectClosedSilently(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"20 03 00 00 00", "90 04 00 01 00 00", "b0 04 00 01 00 00", "d0 00"})
    @Conformance({"v5:MQTT-4.13.1-1"})
    void v5ServerPacketsFromTheClientAreAProtocolError(String bytes) {
        try (RawClient c = Raw.v5(broker.port(), "server-packet-5")) {
            c.send(bytes);
            Raw.expectDisconnect(c, 0x82);
        }
    }

    /** Reason codes a client may not send in DISCONNECT: undefined ones and server-only 0x8E. */
    @ParameterizedTest
    @ValueSource(strings = {"e0 01 05", "e0 01 8e", "e0 01 8b"})
    @Conformance({"v5:MQTT-3.14.2-1", "v5:MQTT-4.13.1-1"})
    void v5DisconnectWithAReasonCodeNotForClientsIsAProtocolError(String bytes) {
        try (RawClient c = Raw.v5(broker.port(), "bad-disconnect-5")) {
            c.send(bytes);
            Raw.expectDisconnect(c, 0x82);
        }
    }

    @Test
    @Conformance({"v311:MQTT-3.14.1-1", "v311:MQTT-3.14.4-3"})
    void v311DisconnectWithABodyIsMalformedAndKeepsTheWill() {
        try (RawClient w = Raw.v311(broker.port(), "disc-body-watch")) {
            Raw.subscribe(w, Packets.V311, 1, "disc/body", 0);
            try (RawClient c = Raw.connected(broker.port(),
                Packets.connect(Packets.V311, "disc-body").will("disc/body", "kept", 0, false))) {
                c.send("e0 01 00");
                Raw.expectClosedSilently(c);
            }
            assertThat(Raw.publish(w).payloadText()).isEqualTo("kept");
        }
    }

    /** A malformed CONNECT: truncated properties, a string past the end, trailing bytes. */
    @ParameterizedTest
    @ValueSource(strings = {
        "10 0d 00 04 4d 51 54 54 05 02 00 3c 05 11 00 00",
        "10 0f 00 04 4d 51 54 54 05 02 00 3c 00 00 09 61 62",
        "10 12 00 04 4d 51 54 54 05 02 00 3c 00 00 01 61 00 00 00 00",
    })
    @Conformance({"v5:MQTT-3.1.4-1", "v5:MQTT-3.2.2-7"})
    void v5MalformedConnectIsRefusedWith0x81(String bytes) {
        try (RawClient c = RawClient.connect(broker.port())) {
            c.v5(true).send(bytes);
            Raw.expectRefused(c, 0x81);
        }
    }

    /** Random garbage from many connections at once leaves the broker serving its other clients. */
    @Test
    @Conformance({"v311:MQTT-4.8.0-1", "v5:MQTT-4.13.1-1"})
    void garbageFromManyConnectionsDisturbsNoOne() {
        Random random = new Random(42);
        try (Raw.Bystander other = Raw.Bystander.start(broker.port())) {
            List<RawClient> attackers = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    RawClient c = i % 2 == 0 ? Raw.v5(broker.port(), "garbage-" + i) : RawClient.connect(broker.port());
                    // a whole PUBLISH frame with random flags whose topic length runs past its end
                    byte[] body = new byte[64 + random.nextInt(64)];
                    random.nextBytes(body);
                    body[0] = (byte) 0xFF;
                    body[1] = (byte) 0xFF;
                    c.send(Wire.packet(0x30 | random.nextInt(16), body));
                    attackers.add(c);
                }
                other.assertUnaffected();
                for (RawClient c : attackers) {
                    c.expectClosed(Duration.ofSeconds(10));
                }
            } finally {
                attackers.forEach(RawClient::close);
            }
            other.assertUnaffected();
        }
    }

    /** A first packet that is not CONNECT is refused from its fixed header, without waiting for its body. */
    @ParameterizedTest
    @ValueSource(strings = {"30 7f", "82 ff ff 03", "c0 05"})
    @Conformance({"v311:MQTT-3.1.0-1", "v5:MQTT-3.1.0-1"})
    void firstPacketOtherThanConnectIsRefusedBeforeItsBody(String header) {
        // the default connectTimeout is 10 s: a close within RawClient's 5 s wait is the header check
        try (RawClient c = RawClient.connect(broker.port())) {
            c.send(header);
            Raw.expectClosedSilently(c);
        }
    }

    /** A connection that never sends CONNECT is closed after connectTimeout (Tern's limit, not the specification's). */
    @Test
    void silentNewConnectionIsClosed() {
        try (Broker b = Raw.broker(m -> m.connectTimeoutMs(300)); RawClient c = RawClient.connect(b.port())) {
            Raw.expectClosedSilently(c);
        }
    }

    /** Half a packet, then the connection drops: the will is published and nothing else happens. */
    @Test
    @Conformance({"v5:MQTT-3.1.2-8"})
    void v5TruncatedPacketThenDropPublishesTheWill() {
        try (RawClient w = Raw.v5(broker.port(), "half-watch")) {
            Raw.subscribe(w, Packets.V5, 1, "half/will", 0);
            try (RawClient c = Raw.connected(broker.port(), Packets.connect(Packets.V5, "half")
                .will("half/will", "dropped mid-packet", 0, false))) {
                c.send("30 20 00 04 68 61 6c");
                c.drop();
            }
            assertThat(Raw.publish(w).payloadText()).isEqualTo("dropped mid-packet");
            w.send(Raw.publish5("half/ok", 0, false, 0, Props.none(), "x"));
            w.send(Packets.pingreq());
            w.expect(Received.PINGRESP);
        }
    }
}
