package dev.tern.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoadOptionsTest {

    @Test
    void scenarioDefaultsApplyUnlessCountsAreGiven() {
        LoadOptions o = new LoadOptions();
        assertThat(o.publishersFor(Scenario.FAN_IN)).isEqualTo(4);
        assertThat(o.subscribersFor(Scenario.FAN_OUT)).isEqualTo(50);
        assertThat(o.publishersFor(Scenario.PAIRS)).isEqualTo(20);
        assertThat(o.connectionsFor(Scenario.IDLE)).isEqualTo(10_000);
        assertThat(o.connectionsFor(Scenario.STORM)).isEqualTo(5_000);
        assertThat(o.publishers(7).publishersFor(Scenario.FAN_IN)).isEqualTo(7);
        assertThat(o.pairs(3).subscribersFor(Scenario.PAIRS)).isEqualTo(3);
    }

    @Test
    void badValuesAreRefusedWithTheOptionNamed() {
        assertThatThrownBy(() -> new LoadOptions().qos(3).validate(Scenario.FAN_IN)).hasMessageContaining("--qos 3");
        assertThatThrownBy(() -> new LoadOptions().payload(10).validate(Scenario.FAN_IN)).hasMessageContaining("--payload 10");
        assertThatThrownBy(() -> new LoadOptions().mqttVersion("4.0").validate(Scenario.FAN_IN)).hasMessageContaining("--mqtt-version");
        assertThatThrownBy(() -> new LoadOptions().validate(Scenario.PERSISTENT)).hasMessageContaining("--qos 1 or 2");
        assertThatThrownBy(() -> new LoadOptions().inflight(0).validate(Scenario.PAIRS)).hasMessageContaining("--inflight 0");
    }

    @Test
    void theCommandLineSetsEveryOption() {
        LoadOptions o = new LoadOptions();
        new CommandLine(new Holder(o)).parseArgs("--port", "1999", "--qos", "2", "--mqtt-version", "5", "--rate", "5000",
            "--source-address", "127.0.0.2,127.0.0.3", "--broker-pid", "42", "--connections", "100", "--persistent-sessions");
        assertThat(o.port).isEqualTo(1999);
        assertThat(o.qos).isEqualTo(2);
        assertThat(o.protocolLevel()).isEqualTo(5);
        assertThat(o.rate).isEqualTo(5000.0);
        assertThat(o.sourceAddresses).containsExactly("127.0.0.2", "127.0.0.3");
        assertThat(o.brokerPid).isEqualTo(42);
        assertThat(o.connectionsFor(Scenario.IDLE)).isEqualTo(100);
        assertThat(o.inflight).isEqualTo(64);
        assertThat(o.payload).isEqualTo(64);
        assertThat(o.persistentSessions).isTrue();
    }

    @Test
    void persistentSessionsAreOffByDefault() {
        LoadOptions o = new LoadOptions();
        new CommandLine(new Holder(o)).parseArgs("--port", "1999");
        assertThat(o.persistentSessions).isFalse();
    }

    @CommandLine.Command(name = "holder")
    static final class Holder {
        @CommandLine.Mixin
        final LoadOptions options;

        Holder(LoadOptions options) {
            this.options = options;
        }
    }
}
