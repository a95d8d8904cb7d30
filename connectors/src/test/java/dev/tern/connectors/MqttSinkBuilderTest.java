package dev.tern.connectors;

import com.hazelcast.jet.retry.RetryStrategies;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MqttSinkBuilderTest {

    @Test
    void topicIsRequired() {
        assertThatThrownBy(() -> MqttSinks.builder().build())
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("MqttSinkBuilder: topic(...) must be set");
    }

    @Test
    void wildcardTopicIsRefused() {
        assertThatThrownBy(() -> MqttSinks.builder().topic("a/#").build())
            .hasMessageContaining("topic(\"a/#\") must be a non-empty topic name without wildcards");
    }

    @Test
    void connectOptionsFnCannotBeMixedWithAutoReconnect() {
        assertThatThrownBy(() -> MqttSinks.builder().topic("a").autoReconnect()
            .connectOptionsFn(MqttConnectOptions::new).build())
            .hasMessageContaining("MqttSinkBuilder: connectOptionsFn(...) replaces autoReconnect()");
    }

    @Test
    void defaultMessageIsQos1NotRetainedWithTextOrBytes() {
        MqttMessage text = MqttSinkBuilder.defaultMessage(42);
        assertThat(text.payloadAsString()).isEqualTo("42");
        assertThat(text.qos()).isEqualTo(Subscription.QualityOfService.AT_LEAST_ONCE);
        assertThat(text.retain()).isFalse();
        byte[] raw = "raw".getBytes(StandardCharsets.UTF_8);
        assertThat(MqttSinkBuilder.defaultMessage(raw).payload()).isSameAs(raw);
    }

    @Test
    void validBuildersBuild() {
        assertThat(MqttSinks.mqtt("a")).isNotNull();
        assertThat(MqttSinks.mqtt("tcp://h:1", "a")).isNotNull();
        assertThat(MqttSinks.<String>mqtt("tcp://h:1", "a", s -> MqttMessage.of(s))).isNotNull();
        assertThat(MqttSinks.<String>builder().topic("a").retryStrategy(RetryStrategies.indefinitely(10))
            .messageFn((String s) -> MqttMessage.builder().payload(s).qos(2).retain(true).build()).build().name())
            .contains("mqttSink");
    }
}
