package dev.tern.cli;

import dev.tern.broker.BrokerConfig;
import dev.tern.gateway.config.GatewayConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** tern.yaml's gateway: section is accepted by the loader and validated by the gateway module before the broker starts. */
class GatewaySectionTest {
    @Test
    void theExampleConfigurationLoadsWithItsGateway() throws Exception {
        Path example = Path.of("..", "examples", "gateway", "tern.yaml");
        ConfigLoader.Loaded loaded = ConfigLoader.loadWithGateway(example);
        assertThat(loaded.gateway()).isNotNull();
        GatewayConfig g = EmbeddedGateway.parse(loaded.gateway(), loaded.broker(), example.toAbsolutePath().getParent());
        assertThat(g.apis()).hasSize(1);
        assertThat(g.apis().get(0).endpoint().usesEmbeddedBroker()).isTrue();
        assertThat(g.apis().get(0).httpPost()).isNotNull();
        assertThat(g.apis().get(0).webhook()).isNotNull();
        assertThat(g.dataDir()).isEqualTo(loaded.broker().dataDir().resolve("gateway"));
    }

    @Test
    void aBadGatewaySectionNamesItsJsonPath() throws Exception {
        ConfigLoader.Loaded loaded = ConfigLoader.parseWithGateway("""
            gateway:
              apis:
                - id: a
                  contextPath: /a
                  entrypoints: [{type: http-post}]
                  plans: [{name: p, security: key-less}]
                  endpointGroups:
                    - name: g
                      sharedConfiguration: {reconnectAttempts: 42, producer: {enabled: true, topic: t}}
                      endpoints: [{name: e}]
            """, "test");
        assertThatThrownBy(() -> EmbeddedGateway.parse(loaded.gateway(), BrokerConfig.defaults(), Path.of(".")))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("$.gateway.apis[0].endpointGroups[0].sharedConfiguration.reconnectAttempts: = 42");
    }

    @Test
    void withoutAGatewaySectionNothingChanges() throws Exception {
        assertThat(ConfigLoader.parseWithGateway("dataDir: /tmp/x\n", "test").gateway()).isNull();
        assertThatThrownBy(() -> ConfigLoader.parse("gatway: {}\n", "test")).hasMessageContaining("did you mean gateway");
    }
}
