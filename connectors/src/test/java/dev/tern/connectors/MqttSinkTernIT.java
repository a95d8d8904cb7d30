package dev.tern.connectors;

import dev.tern.connectors.test.TernTestBroker;
import dev.tern.connectors.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The sink scenarios against Tern embedded in the test JVM. */
class MqttSinkTernIT extends AbstractMqttSinkIT {
    private static TernTestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TernTestBroker.startOnFreePort();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Override
    TestBroker broker() {
        return broker;
    }
}
