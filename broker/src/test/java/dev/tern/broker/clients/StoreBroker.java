package dev.tern.broker.clients;

import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.MqttConfig;
import dev.tern.broker.StorageConfig;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An embedded broker on RocksDB (durability process, free-space guard off so tests drive it),
 * restarted on one data directory, with the raw-client steps the store tests share.
 */
final class StoreBroker implements AutoCloseable {
    private final Path dataDir;
    private final Clock clock;
    private final UnaryOperator<MqttConfig.Builder> mqtt;
    private final List<RawClient> clients = new ArrayList<>();
    private Broker broker;

    StoreBroker(Path dataDir) {
        this(dataDir, Clock.systemUTC(), UnaryOperator.identity());
    }

    StoreBroker(Path dataDir, Clock clock, UnaryOperator<MqttConfig.Builder> mqtt) {
        this.dataDir = dataDir;
        this.clock = clock;
        this.mqtt = mqtt;
    }

    Broker start() {
        BrokerConfig config = BrokerConfig.builder().tcp("127.0.0.1", 0).ioThreads(2)
            .mqtt(mqtt.apply(MqttConfig.builder()).build())
            .storage(new StorageConfig(StorageConfig.Type.ROCKSDB, StorageConfig.Durability.PROCESS, 0))
            .dataDir(dataDir).build();
        broker = Broker.builder().config(config).clock(clock).build().start();
        return broker;
    }

    /** Closes the broker (its connections go with it) and starts a new one on the same directory. */
    Broker restart() {
        closeClients();
        broker.close();
        return start();
    }

    Broker broker() {
        return broker;
    }

    /** A raw MQTT 5 connection with a session that outlives it (expiry 1 h); clean start as asked. */
    RawClient connect(String clientId, boolean cleanStart) {
        return connect(clientId, cleanStart, Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 3600).build());
    }

    RawClient connect(String clientId, boolean cleanStart, byte[] connectProps) {
        RawClient c = RawClient.connect(broker.port());
        clients.add(c);
        Received.ConnAck ack = c.connect(Packets.connect(Packets.V5, clientId).cleanStart(cleanStart).props(connectProps));
        if (!cleanStart) {
            assertThat(ack.sessionPresent()).as("session of %s present", clientId).isTrue();
        }
        return c;
    }

    /** A persistent session subscribed to {@code filter}, left offline. */
    void subscribeOffline(String clientId, String filter, int qos) {
        RawClient c = connect(clientId, true);
        c.send(Packets.subscribe(Packets.V5, 1, filter, qos));
        assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(qos);
        c.send(Packets.disconnect());
        c.expectClosed();
    }

    /** Publishes from a fresh connection and completes the QoS 1 or 2 exchange. */
    void publish(String topic, String payload, int qos, byte[] props) {
        try (RawClient p = RawClient.connect(broker.port())) {
            p.connectV5("pub-" + System.nanoTime());
            p.send(Packets.publish(Packets.V5, topic, qos, false, false, 1, props, payload.getBytes()));
            Received.Ack ack = p.expect(qos == 1 ? Received.PUBACK : Received.PUBREC).ack();
            assertThat(ack.reasonCode()).as("acknowledgement of %s", payload).isLessThan(0x80);
            if (qos == 2) {
                p.send(Packets.pubrel(1));
                p.expect(Received.PUBCOMP);
            }
        }
    }

    /** Everything the broker sends before it answers a PINGREQ: what it had written so far, in order. */
    static List<Received> untilPingResp(RawClient c) {
        c.send(Packets.pingreq());
        List<Received> got = new ArrayList<>();
        Received r;
        while ((r = c.receive()).type() != Received.PINGRESP) {
            got.add(r);
        }
        return got;
    }

    private void closeClients() {
        clients.forEach(RawClient::close);
        clients.clear();
    }

    @Override
    public void close() {
        closeClients();
        if (broker != null) {
            broker.close();
        }
    }
}
