package dev.tern.connectors;

import dev.tern.connectors.Subscription.QualityOfService;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Invalid builder use fails at build() with a message naming the option. */
class MqttSourceBuilderTest {

    @Test
    void topicOrSubscriptionsIsRequired() {
        assertThatThrownBy(() -> MqttSources.builder().build())
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("MqttSourceBuilder: topic(...) or subscriptions(...) must be set");
    }

    @Test
    void topicAndSubscriptionsTogetherAreRefused() {
        assertThatThrownBy(() -> MqttSources.builder().topic("a").subscriptions(Subscription.of("b")).build())
            .hasMessageContaining("topic(...) or subscriptions(...), not both");
    }

    @Test
    void qualityOfServiceWithSubscriptionsIsRefused() {
        assertThatThrownBy(() -> MqttSources.builder().subscriptions(Subscription.of("b"))
            .qualityOfService(QualityOfService.EXACTLY_ONCE).build())
            .hasMessageContaining("qualityOfService(...) applies to topic(...)");
    }

    @Test
    void emptySubscriptionsAreRefused() {
        assertThatThrownBy(() -> MqttSources.builder().subscriptions().build())
            .hasMessageContaining("subscriptions(...) must name at least one");
    }

    @Test
    void connectOptionsFnCannotBeMixedWithTheOptionsItReplaces() {
        assertThatThrownBy(() -> MqttSources.builder().topic("a").auth("u", "p".toCharArray()).keepSession()
            .connectOptionsFn(MqttConnectOptions::new).build())
            .hasMessage("MqttSourceBuilder: connectOptionsFn(...) replaces auth(...), keepSession(): "
                + "set them on the MqttConnectOptions instead");
    }

    @Test
    void connectOptionsFnReturningNullIsRefused() {
        assertThatThrownBy(() -> MqttSources.builder().topic("a").connectOptionsFn(() -> null).build())
            .hasMessageContaining("connectOptionsFn(...) returned null");
    }

    @Test
    void unsupportedBrokerSchemeIsNamed() {
        assertThatThrownBy(() -> MqttSources.builder().broker("http://localhost:1883").topic("a").build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("unsupported scheme 'http'")
            .hasMessageContaining("tcp://, ssl://, ws:// or wss://");
    }

    @Test
    void badSharedGroupNamesAreRefused() {
        assertThatThrownBy(() -> MqttSources.builder().topic("a").sharedSubscription("g/1").build())
            .hasMessageContaining("sharedSubscription(\"g/1\")");
        assertThatThrownBy(() -> MqttSources.builder().topic("$share/g/a").sharedSubscription("g").build())
            .hasMessageContaining("give the plain filter");
    }

    @Test
    void emptyClientIdIsRefused() {
        assertThatThrownBy(() -> MqttSources.builder().topic("a").clientId("").build())
            .hasMessageContaining("clientId(\"\")");
    }

    @Test
    void validBuildersBuild() {
        assertThat(MqttSources.mqtt("a")).isNotNull();
        assertThat(MqttSources.mqtt("ws://host/mqtt", "a/#")).isNotNull();
        assertThat(MqttSources.mqtt("ssl://host", Subscription.of("a", 2), (t, m) -> t)).isNotNull();
        assertThat(MqttSources.builder().topic("a").sharedSubscription("g").keepSession().autoReconnect()
            .auth("u", "p".toCharArray()).clientId("c").build().name()).contains("$share/g");
    }
}
