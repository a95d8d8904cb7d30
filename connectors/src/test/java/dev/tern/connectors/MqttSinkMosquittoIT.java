package dev.tern.connectors;

import dev.tern.connectors.test.MosquittoTestBroker;
import dev.tern.connectors.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The sink scenarios against a real Mosquitto. */
class MqttSinkMosquittoIT extends AbstractMqttSinkIT {
    private static MosquittoTestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = MosquittoTestBroker.start();
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
