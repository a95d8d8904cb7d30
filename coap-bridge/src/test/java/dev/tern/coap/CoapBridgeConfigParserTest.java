package dev.tern.coap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CoapBridgeConfigParserTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path BASE = Path.of("/etc/tern");

    private static CoapBridgeConfig parse(String yaml, CoapBridgeConfigParser.Mode mode) throws Exception {
        JsonNode n = YAML.readTree(yaml);
        return CoapBridgeConfigParser.parse(n, "coapBridge", BASE, mode);
    }

    @Test
    void onlyTheRegistryIsRequiredAndEverythingElseHasItsDocumentedDefault() throws Exception {
        CoapBridgeConfig c = parse("registry: devices.yaml", CoapBridgeConfigParser.Mode.EMBEDDED);
        assertThat(c.registryFile()).isEqualTo(Path.of("/etc/tern/devices.yaml"));
        assertThat(c.registryReloadInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.coapHost()).isEqualTo("0.0.0.0");
        assertThat(c.coapPort()).isEqualTo(5683);
        assertThat(c.ackTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.maxRetransmit()).isEqualTo(4);
        assertThat(c.retryInitialDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.retryMaxDelay()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.reregistrationBackoff()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.silenceTimeout()).isZero();
        assertThat(c.pushEnabled()).isTrue();
        assertThat(c.topicTemplate()).hasToString("{tenantId}/read/{deviceId}/{resource}");
        assertThat(c.defaultQos()).isEqualTo(Qos.AT_LEAST_ONCE);
        assertThat(c.publishTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.maxPendingPublishes()).isEqualTo(10_000);
        assertThat(c.mqtt().clientId()).isEqualTo("tern-coap-bridge");
        assertThat(c.mqtt().sessionExpiryInterval()).isEqualTo(3600);
        assertThat(c.mqtt().keepAlive()).isEqualTo(60);
        assertThat(c.mqtt().username()).isNull();
    }

    @Test
    void readsEveryKey() throws Exception {
        CoapBridgeConfig c = parse("""
            coap: {host: 127.0.0.1, port: 0, ackTimeout: 500, maxRetransmit: 2}
            registry: {file: /var/lib/tern/devices.json, reloadInterval: 0}
            observe: {retryInitialDelay: 200, retryMaxDelay: 5000, reregistrationBackoff: 100, silenceTimeout: 90000}
            push: {enabled: false}
            publish: {topicTemplate: "tenants/{tenantId}/{deviceId}/{resource}", defaultQos: EXACTLY_ONCE, timeout: 3000, maxPending: 50}
            mqtt: {serverHost: broker.example, serverPort: 8883, clientId: gw-1, username: gw, password: secret,
                   sessionExpiryInterval: 0, keepAlive: 30}
            """, CoapBridgeConfigParser.Mode.STANDALONE);
        assertThat(c.coapHost()).isEqualTo("127.0.0.1");
        assertThat(c.coapPort()).isZero();
        assertThat(c.ackTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.maxRetransmit()).isEqualTo(2);
        assertThat(c.registryFile()).isEqualTo(Path.of("/var/lib/tern/devices.json"));
        assertThat(c.registryReloadInterval()).isZero();
        assertThat(c.retryInitialDelay()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.retryMaxDelay()).isEqualTo(Duration.ofMillis(5000));
        assertThat(c.reregistrationBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.silenceTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.pushEnabled()).isFalse();
        assertThat(c.topicTemplate().render("A", "d", "r")).isEqualTo("tenants/A/d/r");
        assertThat(c.defaultQos()).isEqualTo(Qos.EXACTLY_ONCE);
        assertThat(c.publishTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.maxPendingPublishes()).isEqualTo(50);
        assertThat(c.mqtt()).isEqualTo(new MqttTarget("broker.example", 8883, "gw-1", "gw", "secret", 0, 30));
        assertThat(c.mqtt().toString()).doesNotContain("secret");
    }

    @Test
    void theReferenceQosNamesAndNumbersAreAccepted() throws Exception {
        assertThat(parse("{registry: d.yaml, publish: {defaultQos: AT_MOST_ONCE}}", CoapBridgeConfigParser.Mode.EMBEDDED).defaultQos())
            .isEqualTo(Qos.AT_MOST_ONCE);
        assertThat(parse("{registry: d.yaml, publish: {defaultQos: 2}}", CoapBridgeConfigParser.Mode.EMBEDDED).defaultQos())
            .isEqualTo(Qos.EXACTLY_ONCE);
    }

    @Test
    void errorsNameTheKeyUnderTheSection() {
        assertThatThrownBy(() -> parse("coap: {port: 5683}", CoapBridgeConfigParser.Mode.EMBEDDED))
            .hasMessageStartingWith("coapBridge.registry is missing");
        assertThatThrownBy(() -> parse("{registry: d.yaml, publsh: {}}", CoapBridgeConfigParser.Mode.EMBEDDED))
            .hasMessageContaining("unknown key coapBridge.publsh (did you mean coapBridge.publish?)");
        assertThatThrownBy(() -> parse("{registry: d.yaml, publish: {defaultQos: ONCE}}", CoapBridgeConfigParser.Mode.EMBEDDED))
            .hasMessageContaining("coapBridge.publish.defaultQos = ONCE is not allowed: use AT_MOST_ONCE, AT_LEAST_ONCE or EXACTLY_ONCE");
        assertThatThrownBy(() -> parse("{registry: d.yaml, publish: {topicTemplate: '{deviceId}'}}", CoapBridgeConfigParser.Mode.EMBEDDED))
            .hasMessageContaining("coapBridge.publish.topicTemplate = {deviceId} must contain {tenantId}");
        assertThatThrownBy(() -> parse("{registry: d.yaml, coap: {port: 70000}}", CoapBridgeConfigParser.Mode.EMBEDDED))
            .hasMessageContaining("coapBridge.coap.port = 70000 is not allowed: use a whole number from 0 to 65535");
        assertThatThrownBy(() -> parse("{registry: d.yaml, observe: {retryInitialDelay: 5000, retryMaxDelay: 1000}}",
            CoapBridgeConfigParser.Mode.EMBEDDED)).hasMessageContaining("coapBridge.observe.retryMaxDelay = 1000 is not allowed");
        assertThatThrownBy(() -> parse("{registry: d.yaml, mqtt: {password: x}}", CoapBridgeConfigParser.Mode.STANDALONE))
            .hasMessageContaining("coapBridge.mqtt.password is set without coapBridge.mqtt.username");
        assertThatThrownBy(() -> parse("{registry: d.yaml, push: {enabled: yes please}}", CoapBridgeConfigParser.Mode.EMBEDDED))
            .hasMessageContaining("coapBridge.push.enabled");
    }

    @Test
    void insideTernBrokerTheBrokerIsNotConfigurable() {
        assertThatThrownBy(() -> parse("{registry: d.yaml, mqtt: {serverHost: elsewhere}}", CoapBridgeConfigParser.Mode.EMBEDDED))
            .hasMessageContaining("coapBridge.mqtt.serverHost is not allowed in tern.yaml")
            .hasMessageContaining("tern coap-bridge");
        assertThatThrownBy(() -> parse("{registry: d.yaml, mqtt: {tls: true}}", CoapBridgeConfigParser.Mode.EMBEDDED))
            .hasMessageContaining("coapBridge.mqtt.tls is not allowed in tern.yaml");
    }

    @Test
    void mqttTlsReadsEveryKeyWithPathsRelativeToTheConfigFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("trust.p12"), "not parsed here");
        Files.createDirectories(dir.resolve("keys"));
        Files.writeString(dir.resolve("keys/client.p12"), "not parsed here");
        CoapBridgeConfig c = CoapBridgeConfigParser.parse(YAML.readTree("""
            registry: d.yaml
            mqtt:
              serverHost: broker.example
              serverPort: 8883
              tls: {trustStore: trust.p12, trustStorePassword: trust-secret, keyStore: keys/client.p12,
                    keyStorePassword: key-secret, hostnameVerification: false}
            """), "", dir, CoapBridgeConfigParser.Mode.STANDALONE);
        assertThat(c.mqtt().tls())
            .isEqualTo(new MqttTls(dir.resolve("trust.p12"), "trust-secret", dir.resolve("keys/client.p12"), "key-secret", false));
        assertThat(c.mqtt().toString()).contains("trust.p12").doesNotContain("trust-secret").doesNotContain("key-secret");
    }

    @Test
    void withoutMqttTlsTheBridgePublishesOverPlainTcpAndTlsTrueUsesTheJvmTrustStore() throws Exception {
        assertThat(parse("registry: d.yaml", CoapBridgeConfigParser.Mode.STANDALONE).mqtt().tls()).isNull();
        assertThat(parse("{registry: d.yaml, mqtt: {tls: false}}", CoapBridgeConfigParser.Mode.STANDALONE).mqtt().tls()).isNull();
        assertThat(parse("{registry: d.yaml, mqtt: {tls: true}}", CoapBridgeConfigParser.Mode.STANDALONE).mqtt().tls())
            .isEqualTo(MqttTls.DEFAULTS);
        MqttTls empty = parse("{registry: d.yaml, mqtt: {tls: {}}}", CoapBridgeConfigParser.Mode.STANDALONE).mqtt().tls();
        assertThat(empty).isEqualTo(MqttTls.DEFAULTS);
        assertThat(empty.hostnameVerification()).isTrue();
    }

    @Test
    void mqttTlsErrorsNameTheKey() {
        assertThatThrownBy(() -> parse("{registry: d.yaml, mqtt: {tls: {trustStore: missing.p12}}}", CoapBridgeConfigParser.Mode.STANDALONE))
            .hasMessageContaining("coapBridge.mqtt.tls.trustStore = /etc/tern/missing.p12 is not allowed: no such file");
        assertThatThrownBy(() -> parse("{registry: d.yaml, mqtt: {tls: {keyStorePassword: x}}}", CoapBridgeConfigParser.Mode.STANDALONE))
            .hasMessageContaining("coapBridge.mqtt.tls.keyStorePassword is set without coapBridge.mqtt.tls.keyStore");
        assertThatThrownBy(() -> parse("{registry: d.yaml, mqtt: {tls: sometimes}}", CoapBridgeConfigParser.Mode.STANDALONE))
            .hasMessageContaining("coapBridge.mqtt.tls = \"sometimes\" is not allowed: use true, false or a mapping");
        assertThatThrownBy(() -> parse("{registry: d.yaml, mqtt: {tls: {trustStor: x}}}", CoapBridgeConfigParser.Mode.STANDALONE))
            .hasMessageContaining("unknown key coapBridge.mqtt.tls.trustStor (did you mean coapBridge.mqtt.tls.trustStore?)");
    }
}
