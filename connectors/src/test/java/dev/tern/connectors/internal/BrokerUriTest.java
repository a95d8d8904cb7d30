package dev.tern.connectors.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerUriTest {

    @Test
    void defaultPortsPerScheme() {
        assertThat(BrokerUri.parse("tcp://h").port()).isEqualTo(1883);
        assertThat(BrokerUri.parse("ssl://h").port()).isEqualTo(8883);
        assertThat(BrokerUri.parse("ws://h").port()).isEqualTo(80);
        assertThat(BrokerUri.parse("wss://h").port()).isEqualTo(443);
    }

    @Test
    void tlsAndWebSocketFlagsAndPath() {
        BrokerUri u = BrokerUri.parse("wss://broker.example:8443/mqtt");
        assertThat(u.tls()).isTrue();
        assertThat(u.webSocket()).isTrue();
        assertThat(u.host()).isEqualTo("broker.example");
        assertThat(u.port()).isEqualTo(8443);
        assertThat(u.path()).isEqualTo("/mqtt");
        assertThat(BrokerUri.parse("tcp://h:1").tls()).isFalse();
    }

    @Test
    void refusals() {
        assertThatThrownBy(() -> BrokerUri.parse("mqtt://h")).hasMessageContaining("unsupported scheme 'mqtt'");
        assertThatThrownBy(() -> BrokerUri.parse("tcp://h:1/path")).hasMessageContaining("only allowed for ws:// and wss://");
        assertThatThrownBy(() -> BrokerUri.parse("tcp:///x")).hasMessageContaining("names no host");
        assertThatThrownBy(() -> BrokerUri.parse(" ")).hasMessageContaining("must be a URI");
    }
}
