package dev.tern.connectors.internal;

import dev.tern.connectors.MqttConnectOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {

    @Test
    void doublesFromTheInitialDelayUpToTheMaximum() {
        MqttConnectOptions o = new MqttConnectOptions().setReconnectInitialDelayMillis(100).setReconnectMaxDelayMillis(1000);
        ClientConnection c = ClientConnection.create(BrokerUri.parse("tcp://127.0.0.1:1"), "id", o, cause -> { });
        assertThat(c.backoff(0)).isEqualTo(100);
        assertThat(c.backoff(1)).isEqualTo(200);
        assertThat(c.backoff(3)).isEqualTo(800);
        assertThat(c.backoff(4)).isEqualTo(1000);
        assertThat(c.backoff(40)).isEqualTo(1000);
    }
}
