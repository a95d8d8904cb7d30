package dev.tern.connectors;

import dev.tern.connectors.test.TernTestBroker;
import dev.tern.connectors.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The source scenarios against Tern embedded in the test JVM. */
class MqttSourceTernIT extends AbstractMqttSourceIT {
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
