package dev.tern.cli;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.coap.CaliforniumSetup;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The CoAP bridge as users run it: inside {@code tern broker} (tern.yaml) and as {@code tern coap-bridge}. */
class CoapBridgeCliIT {
    private static final Pattern COAP = Pattern.compile("coap-bridge listening for CoAP over udp on [^ ]+:(\\d+)");
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void theBridgeConfiguredInTernYamlPublishesToItsOwnBroker() throws Exception {
        Files.writeString(dir.resolve("devices.yaml"), "devices:\n  - id: meter-1\n    tenant: acme\n");
        Path cfg = dir.resolve("tern.yaml");
        Files.writeString(cfg, """
            storage: {type: memory}
            coapBridge:
              coap: {host: 127.0.0.1, port: 0}
              registry: devices.yaml      # next to tern.yaml
            """);
        try (TernProcess tern = TernProcess.broker(dir.resolve("data"), cfg)) {
            int coapPort = coapPort(tern);
            List<Mqtt5Publish> got = subscribe(tern.port(), "acme/#");
            assertThat(push(coapPort, "meter-1/reading", "42").getCode()).isEqualTo(ResponseCode.CHANGED);
            await().atMost(WAIT).until(() -> !got.isEmpty());
            assertThat(got.get(0).getTopic().toString()).isEqualTo("acme/read/meter-1/reading");
            assertThat(new String(got.get(0).getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("42");
            assertThat(got.get(0).getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            tern.stop(); // SIGTERM: the JVM exits with 143, the hook runs
            assertThat(tern.output()).contains("tern: stopped");
        }
        assertThat(Path.of("Californium3.properties")).as("Californium is configured in code, no file").doesNotExist();
    }

    @Test
    void theStandaloneBridgePublishesToTheBrokerItIsGiven() throws Exception {
        Broker broker = Broker.builder().config(BrokerConfig.builder().tcp("127.0.0.1", 0).build()).build().start();
        try {
            Files.writeString(dir.resolve("devices.json"), """
                {"devices": [{"id": "meter-2", "tenant": "utility", "resources": [{"path": "alarm", "qos": "EXACTLY_ONCE"}]}]}
                """);
            Path cfg = dir.resolve("bridge.yaml");
            Files.writeString(cfg, """
                coap: {host: 127.0.0.1, port: 0}
                registry: {file: devices.json}
                mqtt: {serverHost: 127.0.0.1, serverPort: %d, clientId: standalone-bridge}
                """.formatted(broker.port()));
            List<Mqtt5Publish> got = subscribe(broker.port(), "utility/#");
            try (TernProcess bridge = TernProcess.run("coap-bridge", "--config", cfg.toString())) {
                int coapPort = coapPort(bridge);
                assertThat(push(coapPort, "meter-2/alarm", "tamper").getCode()).isEqualTo(ResponseCode.CHANGED);
                await().atMost(WAIT).until(() -> !got.isEmpty());
                assertThat(got.get(0).getTopic().toString()).isEqualTo("utility/read/meter-2/alarm");
                assertThat(got.get(0).getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
                bridge.stop();
                assertThat(bridge.output()).contains("tern: coap-bridge stopped");
            }
        } finally {
            broker.close();
        }
    }

    @Test
    void aBadCoapBridgeKeyStopsTheStartAndIsNamed() throws Exception {
        Files.writeString(dir.resolve("devices.yaml"), "devices: []\n");
        Path cfg = dir.resolve("tern.yaml");
        Files.writeString(cfg, """
            storage: {type: memory}
            coapBridge:
              registry: devices.yaml
              publish: {defaultQos: SOMETIMES}
            """);
        try (TernProcess tern = TernProcess.run("broker", "--port", "0", "--data-dir", dir.resolve("data").toString(),
            "--config", cfg.toString())) {
            assertThat(tern.waitFor()).isEqualTo(2);
            assertThat(tern.output()).contains("configuration error: coapBridge.publish.defaultQos = SOMETIMES is not allowed");
        }
    }

    private static int coapPort(TernProcess tern) {
        int[] port = new int[1];
        await().atMost(WAIT).until(() -> {
            Matcher m = COAP.matcher(tern.output());
            if (m.find()) {
                port[0] = Integer.parseInt(m.group(1));
                return true;
            }
            return false;
        });
        return port[0];
    }

    private static List<Mqtt5Publish> subscribe(int port, String filter) throws Exception {
        List<Mqtt5Publish> got = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient c = Mqtt5Client.builder().identifier("sub-" + filter.hashCode()).serverHost("127.0.0.1").serverPort(port)
            .buildAsync();
        c.connect().get(10, TimeUnit.SECONDS);
        c.subscribeWith().topicFilter(filter).qos(MqttQos.EXACTLY_ONCE).callback(got::add).send().get(10, TimeUnit.SECONDS);
        return got;
    }

    private static CoapResponse push(int port, String path, String payload) throws Exception {
        CoapEndpoint endpoint = CaliforniumSetup.udpEndpoint(CaliforniumSetup.configuration(), new InetSocketAddress("127.0.0.1", 0));
        CoapClient client = new CoapClient("coap://127.0.0.1:" + port + "/" + path);
        try {
            client.setEndpoint(endpoint);
            client.setTimeout(WAIT.toMillis());
            CoapResponse r = client.post(payload, MediaTypeRegistry.TEXT_PLAIN);
            assertThat(r).as("a response to POST " + path).isNotNull();
            return r;
        } finally {
            client.shutdown();
            endpoint.destroy();
        }
    }
}
