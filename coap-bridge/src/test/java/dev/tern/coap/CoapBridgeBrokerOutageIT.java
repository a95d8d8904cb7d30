package dev.tern.coap;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.StorageConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Why the reference publishes at AT_LEAST_ONCE: a persistent subscriber that is offline still gets
 * the device's data, and so does one whose broker was down when the device pushed. The broker
 * (durable, on a fixed port) is stopped and started under a running bridge.
 */
class CoapBridgeBrokerOutageIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void pushesMadeWhileTheBrokerIsDownReachAnOfflinePersistentSubscriberOnceItIsBack() throws Exception {
        int mqttPort;
        try (ServerSocket s = new ServerSocket(0)) {
            mqttPort = s.getLocalPort();
        }
        Path data = dir.resolve("data");
        // the application's persistent session: QoS 1 subscription, then offline
        Broker broker = startBroker(mqttPort, data);
        Mqtt5AsyncClient app = Mqtt5Client.builder().identifier("app").serverHost("127.0.0.1").serverPort(mqttPort).buildAsync();
        app.connectWith().cleanStart(true).sessionExpiryInterval(3600).send().get(10, TimeUnit.SECONDS);
        app.subscribeWith().topicFilter("acme/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        app.disconnect().get(10, TimeUnit.SECONDS);
        broker.close();

        Path registry = dir.resolve("devices.yaml");
        Files.writeString(registry, "devices:\n  - id: m1\n    tenant: acme\n");
        CoapBridgeConfig config = CoapBridgeConfig.builder(registry)
            .coap("127.0.0.1", 0)
            .publishTimeout(Duration.ofMillis(300))
            .mqtt(new MqttTarget("127.0.0.1", mqttPort, "bridge-outage", null, null, 3600, 30))
            .build();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (CoapBridge bridge = CoapBridge.builder(config).meterRegistry(meters).build().start()) {
            // 1. the broker has never been reached: the device is told to come back later ...
            assertThat(push(bridge, "m1/alarm", "first").getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
            broker = startBroker(mqttPort, data);
            // ... and the message, held by the bridge, is published when the broker is there
            await().atMost(WAIT).until(() -> meters.get("tern.coap.publishes.out").tag("qos", "1").counter().count() == 1);

            // 2. the broker goes away under a connected bridge and comes back
            broker.close();
            assertThat(push(bridge, "m1/alarm", "second").getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
            broker = startBroker(mqttPort, data);
            await().atMost(WAIT).until(() -> meters.get("tern.coap.publishes.out").tag("qos", "1").counter().count() == 2);
            assertThat(push(bridge, "m1/alarm", "third").getCode()).isEqualTo(ResponseCode.CHANGED);
        }

        List<Mqtt5Publish> got = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient back = Mqtt5Client.builder().identifier("app").serverHost("127.0.0.1").serverPort(mqttPort).buildAsync();
        back.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL, got::add);
        assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().get(10, TimeUnit.SECONDS).isSessionPresent())
            .isTrue();
        await().atMost(WAIT).until(() -> got.size() >= 3);
        assertThat(got).extracting(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8))
            .containsSubsequence("first", "second", "third");
        back.disconnect().get(10, TimeUnit.SECONDS);
        broker.close();
    }

    private static Broker startBroker(int port, Path data) {
        return Broker.builder().config(BrokerConfig.builder().tcp("127.0.0.1", port)
            .storage(StorageConfig.rocksdb(StorageConfig.Durability.PROCESS)).dataDir(data).build()).build().start();
    }

    private static CoapResponse push(CoapBridge bridge, String path, String payload) throws Exception {
        return DevicePush.post(bridge.coapPort(), path, payload, false, WAIT);
    }
}
