package dev.tern.coap;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicTemplateTest {
    @Test
    void theDefaultTemplatePutsTheTenantFirst() {
        TopicTemplate t = TopicTemplate.parse(TopicTemplate.DEFAULT);
        assertThat(t.render("acme", "00:13:50:05:00:6a:1b:2c", "sensors/temp")).isEqualTo("acme/read/00:13:50:05:00:6a:1b:2c/sensors/temp");
    }

    @Test
    void placeholdersMayAppearAnywhereAndMoreThanOnce() {
        assertThat(TopicTemplate.parse("t/{tenantId}/d-{deviceId}/{resource}/{tenantId}").render("A", "d1", "r"))
            .isEqualTo("t/A/d-d1/r/A");
    }

    @Test
    void aTemplateWithoutTheTenantIsRefused() {
        assertThatThrownBy(() -> TopicTemplate.parse("read/{deviceId}/{resource}")).hasMessageContaining("{tenantId}");
    }

    @Test
    void unknownPlaceholdersWildcardsAndUnbalancedBracesAreRefused() {
        assertThatThrownBy(() -> TopicTemplate.parse("{tenantId}/{device}")).hasMessageContaining("unknown placeholder {device}");
        assertThatThrownBy(() -> TopicTemplate.parse("{tenantId}/+/{resource}")).hasMessageContaining("wildcards");
        assertThatThrownBy(() -> TopicTemplate.parse("{tenantId}/#")).hasMessageContaining("wildcards");
        assertThatThrownBy(() -> TopicTemplate.parse("{tenantId}/{resource")).hasMessageContaining("without '}'");
        assertThatThrownBy(() -> TopicTemplate.parse("{tenantId}/x}")).hasMessageContaining("without '{'");
        assertThatThrownBy(() -> TopicTemplate.parse("$SYS/{tenantId}")).hasMessageContaining("'$'");
        assertThatThrownBy(() -> TopicTemplate.parse("")).hasMessageContaining("empty");
    }

    @Test
    void aTopicLongerThanMqttAllowsIsRefusedAtRender() {
        TopicTemplate t = TopicTemplate.parse(TopicTemplate.DEFAULT);
        assertThatThrownBy(() -> t.render("A", "d", "r".repeat(70_000))).hasMessageContaining("65535");
    }
}
