package dev.tern.coap;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CoapAddressTest {
    @Test
    void acceptsUrisHostPortAndIpv6Forms() {
        assertThat(CoapAddress.parse("coap://10.0.0.7:5684")).isEqualTo(new CoapAddress("10.0.0.7", 5684));
        assertThat(CoapAddress.parse("coap://sensor.local")).isEqualTo(new CoapAddress("sensor.local", 5683));
        assertThat(CoapAddress.parse("127.0.0.1:40000")).isEqualTo(new CoapAddress("127.0.0.1", 40000));
        assertThat(CoapAddress.parse("[fd00::1]:6000")).isEqualTo(new CoapAddress("fd00::1", 6000));
        assertThat(CoapAddress.parse("coap://[fd00::1]")).isEqualTo(new CoapAddress("fd00::1", 5683));
        assertThat(CoapAddress.parse("fd00::1")).isEqualTo(new CoapAddress("fd00::1", 5683));
    }

    @Test
    void writesIpv6InBrackets() {
        assertThat(new CoapAddress("fd00::1", 5683).uri()).isEqualTo("coap://[fd00::1]:5683");
        assertThat(new CoapAddress("10.0.0.7", 1).uri()).isEqualTo("coap://10.0.0.7:1");
    }

    @Test
    void refusesOtherSchemesPathsAndBadPorts() {
        assertThatThrownBy(() -> CoapAddress.parse("coaps://10.0.0.7")).hasMessageContaining("coap://");
        assertThatThrownBy(() -> CoapAddress.parse("http://10.0.0.7")).hasMessageContaining("scheme");
        assertThatThrownBy(() -> CoapAddress.parse("coap://10.0.0.7/temp")).hasMessageContaining("no path");
        assertThatThrownBy(() -> CoapAddress.parse("10.0.0.7:70000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CoapAddress.parse("10.0.0.7:0")).hasMessageContaining("1..65535");
    }
}
