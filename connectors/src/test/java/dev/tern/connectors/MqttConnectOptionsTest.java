package dev.tern.connectors;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MqttConnectOptionsTest {

    @Test
    void defaults() {
        MqttConnectOptions o = new MqttConnectOptions();
        assertThat(o.getMqttVersion()).isEqualTo(MqttVersion.MQTT_5_0);
        assertThat(o.isKeepSession()).isFalse();
        assertThat(o.isAutoReconnect()).isFalse();
        assertThat(o.getSessionExpiryInterval()).isEqualTo(MqttConnectOptions.SESSION_NEVER_EXPIRES);
        assertThat(o.getKeepAliveSeconds()).isEqualTo(60);
        assertThat(o.getReceiveMaximum()).isEqualTo(65_535);
        assertThat(o.getMaxInflight()).isEqualTo(1_024);
        assertThat(o.isHostnameVerification()).isTrue();
    }

    @Test
    void outOfRangeValuesNameTheOption() {
        MqttConnectOptions o = new MqttConnectOptions();
        assertThatThrownBy(() -> o.setReceiveMaximum(0)).hasMessageContaining("receiveMaximum must be 1..65535");
        assertThatThrownBy(() -> o.setMaxInflight(0)).hasMessageContaining("maxInflight must be at least 1");
        assertThatThrownBy(() -> o.setKeepAliveSeconds(70_000)).hasMessageContaining("keepAliveSeconds");
        assertThatThrownBy(() -> o.setSessionExpiryInterval(-1)).hasMessageContaining("sessionExpiryInterval");
        assertThatThrownBy(() -> o.setReconnectInitialDelayMillis(0)).hasMessageContaining("reconnectInitialDelayMillis");
    }

    @Test
    void copyIsIndependent() {
        char[] pw = "p".toCharArray();
        MqttConnectOptions o = new MqttConnectOptions().setPassword(pw).setUserName("u");
        MqttConnectOptions c = o.copy();
        pw[0] = 'x';
        assertThat(c.getPassword()).containsExactly('p');
        assertThat(c.getUserName()).isEqualTo("u");
    }
}
