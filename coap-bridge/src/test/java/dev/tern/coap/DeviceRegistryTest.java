package dev.tern.coap;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeviceRegistryTest {
    private static DeviceRegistry yaml(String text) throws CoapBridgeConfigException {
        return DeviceRegistry.parse(text, "devices.yaml", false);
    }

    @Test
    void readsDevicesWithAddressesResourcesAndQos() throws Exception {
        DeviceRegistry r = yaml("""
            devices:
              - id: "00:13:50:05:00:6a:1b:2c"
                tenant: acme
                address: coap://[fd00::1]:5683
                resources:
                  - temperature
                  - path: /sensors/battery
                    qos: AT_MOST_ONCE
                  - path: alarm
                    qos: 2
              - id: pusher
                tenant: other
            """);
        assertThat(r.size()).isEqualTo(2);
        Device d = r.find("00:13:50:05:00:6a:1b:2c").orElseThrow();
        assertThat(d.tenant()).isEqualTo("acme");
        assertThat(d.address()).isEqualTo(new CoapAddress("fd00::1", 5683));
        assertThat(d.resources()).containsExactly(
            new DeviceResource("temperature", null),
            new DeviceResource("sensors/battery", Qos.AT_MOST_ONCE),
            new DeviceResource("alarm", Qos.EXACTLY_ONCE));
        Device p = r.find("pusher").orElseThrow();
        assertThat(p.address()).isNull();
        assertThat(p.resources()).isEmpty();
        assertThat(r.find("nobody")).isEmpty();
    }

    @Test
    void readsJsonToo() throws Exception {
        DeviceRegistry r = DeviceRegistry.parse("""
            {"devices": [{"id": "d1", "tenant": "t", "address": "127.0.0.1:5683", "resources": ["a", {"path": "b", "qos": "at_least_once"}]}]}
            """, "devices.json", true);
        assertThat(r.find("d1").orElseThrow().resources()).containsExactly(new DeviceResource("a", null),
            new DeviceResource("b", Qos.AT_LEAST_ONCE));
    }

    @Test
    void anEmptyFileIsAnEmptyRegistry() throws Exception {
        assertThat(yaml("").size()).isZero();
        assertThat(yaml("devices: []").size()).isZero();
    }

    @Test
    void errorsNameTheFileTheKeyAndWhatIsAllowed() {
        assertThatThrownBy(() -> yaml("devices:\n  - id: d\n")).hasMessage("devices.yaml: devices[0].tenant is missing");
        assertThatThrownBy(() -> yaml("devices:\n  - id: d\n    tenant: a/b\n"))
            .hasMessageContaining("devices[0].tenant = a/b must not contain '/'");
        assertThatThrownBy(() -> yaml("devices:\n  - id: 'd+'\n    tenant: a\n"))
            .hasMessageContaining("devices[0].id = d+ must not contain the MQTT wildcards");
        assertThatThrownBy(() -> yaml("devices:\n  - id: d\n    tenant: a\n  - id: d\n    tenant: b\n"))
            .hasMessageContaining("devices[1].id = d appears twice");
        assertThatThrownBy(() -> yaml("devices:\n  - id: d\n    tenant: a\n    adress: x\n"))
            .hasMessageContaining("unknown key devices[0].adress (did you mean devices[0].address?)");
        assertThatThrownBy(() -> yaml("devices:\n  - id: d\n    tenant: a\n    address: 'coaps://x'\n"))
            .hasMessageContaining("devices[0].address = coaps://x");
        assertThatThrownBy(() -> yaml("devices:\n  - id: d\n    tenant: a\n    resources: [a//b]\n"))
            .hasMessageContaining("devices[0].resources[0] = a//b must not have an empty segment");
        assertThatThrownBy(() -> yaml("devices:\n  - id: d\n    tenant: a\n    resources: [{path: a, qos: 3}]\n"))
            .hasMessageContaining("devices[0].resources[0].qos = 3 is not allowed: use AT_MOST_ONCE, AT_LEAST_ONCE or EXACTLY_ONCE");
        assertThatThrownBy(() -> yaml("devices:\n  - id: d\n    tenant: a\n    resources: [a, /a]\n"))
            .hasMessageContaining("devices[0].resources[1] = a appears twice");
        assertThatThrownBy(() -> yaml("devices: {id: d}")).hasMessageContaining("devices must be a list");
        assertThatThrownBy(() -> yaml("devices: [\n")).hasMessageContaining("devices.yaml is not valid YAML");
    }
}
