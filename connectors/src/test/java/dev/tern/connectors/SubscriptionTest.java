package dev.tern.connectors;

import dev.tern.connectors.Subscription.QualityOfService;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubscriptionTest {

    @Test
    void defaultsToAtLeastOnce() {
        assertThat(Subscription.of("a").getQualityOfService()).isEqualTo(QualityOfService.AT_LEAST_ONCE);
    }

    @Test
    void intQosMapsToLevels() {
        assertThat(Subscription.of("a", 0).getQualityOfService()).isEqualTo(QualityOfService.AT_MOST_ONCE);
        assertThat(Subscription.of("a", 2).getQualityOfService().getQos()).isEqualTo(2);
    }

    @Test
    void unknownQosIsRefused() {
        assertThatThrownBy(() -> Subscription.of("a", 3)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("Unknown qos level");
        assertThatThrownBy(() -> Subscription.of("a", -1)).hasMessageContaining("Unknown qos level");
    }

    @Test
    void emptyTopicIsRefused() {
        assertThatThrownBy(() -> Subscription.of("")).hasMessageContaining("topic must not be empty");
    }
}
