package dev.tern.connectors.test;

import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.MqttConfig;

/**
 * Tern embedded in the test JVM. Queues are made large enough that the tests' bursts (up to a few
 * thousand messages held for a client whose acknowledgements wait for snapshots) are never cut.
 */
public final class TernTestBroker implements TestBroker {
    private Broker broker;

    private TernTestBroker(int port) {
        this.broker = startBroker(port);
    }

    public static TernTestBroker startOnFreePort() {
        return new TernTestBroker(0);
    }

    private static Broker startBroker(int port) {
        return Broker.builder().config(BrokerConfig.builder()
                .tcp("127.0.0.1", port)
                .mqtt(MqttConfig.builder().maxQueuedMessages(100_000).build())
                .ioThreads(2)
                .build())
            .build().start();
    }

    public Broker broker() {
        return broker;
    }

    @Override
    public String name() {
        return "tern";
    }

    @Override
    public String uri() {
        return "tcp://127.0.0.1:" + broker.port();
    }

    @Override
    public int port() {
        return broker.port();
    }

    @Override
    public void restart() {
        int port = broker.port();
        broker.close();
        broker = startBroker(port);
    }

    @Override
    public void close() {
        broker.close();
    }
}
