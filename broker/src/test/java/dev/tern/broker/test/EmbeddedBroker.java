package dev.tern.broker.test;

import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.ListenerConfig;
import dev.tern.broker.MqttConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * JUnit 5 extension running a real broker on 127.0.0.1 with a free port. Register it as a static
 * field for one broker per class, or as an instance field for a fresh broker per test:
 *
 * <pre>{@code
 * @RegisterExtension
 * static EmbeddedBroker broker = EmbeddedBroker.withMqtt(m -> m.receiveMaximum(10));
 * }</pre>
 *
 * Other modules get it from the broker's test-jar.
 */
public final class EmbeddedBroker implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final UnaryOperator<MqttConfig.Builder> mqtt;
    private final boolean websocket;
    private Broker broker;
    private boolean perClass;

    private EmbeddedBroker(UnaryOperator<MqttConfig.Builder> mqtt, boolean websocket) {
        this.mqtt = mqtt;
        this.websocket = websocket;
    }

    public static EmbeddedBroker withDefaults() {
        return new EmbeddedBroker(UnaryOperator.identity(), false);
    }

    public static EmbeddedBroker withMqtt(UnaryOperator<MqttConfig.Builder> mqtt) {
        return new EmbeddedBroker(mqtt, false);
    }

    /** Also opens a WebSocket listener (named "ws", path /mqtt). */
    public EmbeddedBroker withWebSocket() {
        return new EmbeddedBroker(mqtt, true);
    }

    private void start() {
        List<ListenerConfig> listeners = websocket
            ? List.of(ListenerConfig.tcp("127.0.0.1", 0), ListenerConfig.ws("127.0.0.1", 0, "/mqtt"))
            : List.of(ListenerConfig.tcp("127.0.0.1", 0));
        BrokerConfig config = BrokerConfig.builder()
            .listeners(listeners)
            .mqtt(mqtt.apply(MqttConfig.builder()).build())
            .ioThreads(2)
            .build();
        broker = Broker.builder().config(config).build().start();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass && broker != null) {
            broker.close();
            broker = null;
        }
    }

    public Broker broker() {
        return broker;
    }

    public int port() {
        return broker.port();
    }

    public int wsPort() {
        return broker.port("ws");
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port();
    }
}
