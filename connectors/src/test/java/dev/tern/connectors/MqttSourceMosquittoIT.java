package dev.tern.connectors;

import dev.tern.connectors.test.MosquittoTestBroker;
import dev.tern.connectors.test.TestBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** The source scenarios against a real Mosquitto. */
class MqttSourceMosquittoIT extends AbstractMqttSourceIT {
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
    @Test
    @Disabled("Mosquitto 2.0.11 sends more QoS 1 messages than the client's Receive Maximum once acknowledgements "
        + "flow (ReceiveMaximumIT#mosquittoHonoursReceiveMaximumAfterAcknowledgements reproduces it); the HiveMQ "
        + "client then disconnects with 0x93 and, without autoReconnect, the job fails. Passes against Tern.")
    void backPressureThroughReceiveMaximumLosesNothing() {
    }

    @Override
    TestBroker broker() {
        return broker;
    }
}
