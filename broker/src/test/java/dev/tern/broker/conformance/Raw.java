package dev.tern.broker.conformance;

import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.MqttConfig;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Helpers over the testkit's {@link RawClient} that the conformance tests share. */
final class Raw {
    /** How long a test waits to be sure that something does not arrive. */
    static final Duration QUIET = Duration.ofMillis(250);

    private Raw() {
    }

    /**
     * Starts a broker of its own on 127.0.0.1 and a free port, for a test that needs a setting the
     * rest of its class does not; close it with try-with-resources.
     */
    static Broker broker(UnaryOperator<MqttConfig.Builder> mqtt) {
        BrokerConfig config = BrokerConfig.builder().tcp("127.0.0.1", 0)
            .mqtt(mqtt.apply(MqttConfig.builder()).build()).ioThreads(2).build();
        return Broker.builder().config(config).build().start();
    }

    /** An MQTT 5 client with a clean start, connected. */
    static RawClient v5(int port, String clientId) {
        RawClient c = RawClient.connect(port);
        c.connectV5(clientId);
        return c;
    }

    /** A client connected with the given CONNECT (CONNACK 0 checked). */
    static RawClient connected(int port, Packets.Connect connect) {
        RawClient c = RawClient.connect(port);
        c.connect(connect);
        return c;
    }

    /** An MQTT 3.1.1 client with a clean session, connected. */
    static RawClient v311(int port, String clientId) {
        RawClient c = RawClient.connect(port);
        c.connectV311(clientId);
        return c;
    }

    /** An MQTT 3.1 ({@code MQIsdp}) client with a clean session, connected. */
    static RawClient v31(int port, String clientId) {
        return connected(port, Packets.connect(Packets.V31, clientId));
    }

    /** Subscribes one filter and checks the SUBACK grants {@code qos}. */
    static void subscribe(RawClient c, int version, int packetId, String filter, int qos) {
        c.send(Packets.subscribe(version, packetId, filter, qos));
        Received.SubAck ack = c.expect(Received.SUBACK).suback();
        assertThat(ack.packetId()).isEqualTo(packetId);
        assertThat(ack.reasonCodes()).containsExactly(qos);
    }

    /** MQTT 5 SUBSCRIBE of one filter with options and properties; returns the SUBACK codes. */
    static int[] subscribe5(RawClient c, int packetId, byte[] props, Packets.Sub... subs) {
        c.send(Packets.subscribe(Packets.V5, packetId, props, subs));
        Received.SubAck ack = c.expect(Received.SUBACK).suback();
        assertThat(ack.packetId()).isEqualTo(packetId);
        return ack.reasonCodes();
    }

    /** An MQTT 5 PUBLISH with properties. */
    static byte[] publish5(String topic, int qos, boolean retain, int packetId, byte[] props, String payload) {
        return Packets.publish(Packets.V5, topic, qos, retain, false, packetId, props,
            payload.getBytes(StandardCharsets.UTF_8));
    }

    /** The next packet, which must be a PUBLISH. */
    static Received.Publish publish(RawClient c) {
        return c.expect(Received.PUBLISH).publish();
    }

    /** A PUBLISH and the index of the client (in the order given) it reached. */
    record Delivery(int client, Received.Publish publish) {
    }

    /** The next PUBLISH any of the clients receives, waiting up to RawClient's default timeout. */
    static Delivery nextDelivery(RawClient... clients) {
        long deadline = System.nanoTime() + RawClient.DEFAULT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < clients.length; i++) {
                try {
                    return new Delivery(i, clients[i].receive(Duration.ofMillis(20)).publish());
                } catch (AssertionError notHere) {
                    // try the next client
                }
            }
        }
        throw new AssertionError("no PUBLISH reached any of the clients within " + RawClient.DEFAULT_TIMEOUT);
    }

    /** Reads up to the end of the connection; the last packet must be an MQTT 5 DISCONNECT, which is returned. */
    static Received.Disconnect expectDisconnect(RawClient c) {
        c.v5(true);
        List<Received> got = c.expectClosed();
        assertThat(got).as("packets before the close").isNotEmpty();
        Received last = got.get(got.size() - 1);
        assertThat(last.type()).as("last packet before the close: %s", last).isEqualTo(Received.DISCONNECT);
        assertThat(last.flags()).isZero();
        return last.disconnect();
    }

    /** Asserts an MQTT 5 DISCONNECT with this reason code, then the close. */
    static void expectDisconnect(RawClient c, int reasonCode) {
        Received.Disconnect d = expectDisconnect(c);
        assertThat(d.reasonCode()).as("DISCONNECT reason code %s", d).isEqualTo(reasonCode);
        // [MQTT-3.14.2-2] the server never sends a Session Expiry Interval in DISCONNECT
        assertThat(d.properties().has(Props.SESSION_EXPIRY_INTERVAL)).isFalse();
    }

    /** Asserts the server closes the connection without sending anything (MQTT 3.x errors). */
    static void expectClosedSilently(RawClient c) {
        assertThat(c.expectClosed()).as("packets sent before the close").isEmpty();
    }

    /** Expects CONNACK with a reason code and then the close; returns the CONNACK. */
    static Received.ConnAck expectRefused(RawClient c, int reasonCode) {
        List<Received> got = c.expectClosed();
        assertThat(got).as("packets before the close").hasSize(1);
        Received.ConnAck ack = got.get(0).connack();
        assertThat(ack.reasonCode()).as("CONNACK %s", ack).isEqualTo(reasonCode);
        assertThat(ack.sessionPresent()).as("session present on a refused CONNECT").isFalse();
        return ack;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A connected pair of clients on their own topic, set up before a test sends bad input on
     * another connection; {@link #assertUnaffected()} then proves the broker still serves them.
     */
    static final class Bystander implements AutoCloseable {
        private static int next;
        private final RawClient sub;
        private final RawClient pub;
        private final String topic;
        private int packetId = 1;

        private Bystander(int port) {
            int n;
            synchronized (Bystander.class) {
                n = ++next;
            }
            topic = "bystander/" + n;
            sub = v5(port, "bystander-sub-" + n);
            pub = v311(port, "bystander-pub-" + n);
            subscribe(sub, Packets.V5, 1, topic, 1);
        }

        static Bystander start(int port) {
            return new Bystander(port);
        }

        /** A QoS 1 round trip between the two still works. */
        void assertUnaffected() {
            int id = packetId++;
            pub.send(Packets.publish(Packets.V311, topic, 1, id, "still here"));
            assertThat(pub.expect(Received.PUBACK).ack().packetId()).isEqualTo(id);
            Received.Publish p = publish(sub);
            assertThat(p.topic()).isEqualTo(topic);
            assertThat(p.payloadText()).isEqualTo("still here");
            sub.send(Packets.puback(p.packetId()));
        }

        @Override
        public void close() {
            sub.close();
            pub.close();
        }
    }
}
