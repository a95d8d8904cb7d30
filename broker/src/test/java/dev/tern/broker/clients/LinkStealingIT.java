package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static dev.tern.broker.clients.Await.await;

/**
 * A second connection with a connected client's identifier (section 3.1.4): with
 * {@code allowLinkStealing} (the default) it takes the session over and the old connection is
 * closed (MQTT 5: DISCONNECT 0x8E); with {@code allowLinkStealing: false} the newcomer is refused
 * (MQTT 5 CONNACK 0x80, 3.x CONNACK 0x03) and the first connection carries on.
 */
class LinkStealingIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static EmbeddedBroker stealing = EmbeddedBroker.withDefaults();

    @RegisterExtension
    static EmbeddedBroker noStealing = EmbeddedBroker.withMqtt(m -> m.allowLinkStealing(false));

    @Test
    void oldMqtt5ConnectionIsToldSessionTakenOver() {
        String id = TestClient.unique("ls-");
        List<Throwable> causes = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient first = MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(stealing.port())
            .addDisconnectedListener(c -> causes.add(c.getCause())).buildBlocking();
        first.connect();
        Mqtt5BlockingClient second = MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(stealing.port()).buildBlocking();
        second.connect();
        await().atMost(TIMEOUT).until(() -> !causes.isEmpty());
        assertThat(causes.get(0)).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e ->
            assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER));
        assertThat(second.getState().isConnected()).isTrue();
        second.disconnect();
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, mode = EnumSource.Mode.EXCLUDE, names = "PAHO_V31") // same library as PAHO_V311
    void secondConnectionTakesThePersistentSessionOver(Kind kind) {
        String name = TestClient.unique("lt");
        String topic = "ls/" + name;
        try (TestClient first = TestClient.create(kind, name, stealing.port());
             TestClient second = TestClient.create(kind, name, stealing.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", stealing.port())) {
            first.connect(true, null);
            first.subscribe(topic, 1);
            assertThat(second.connect(true, null)).as("session present").isTrue();
            await().atMost(TIMEOUT).until(() -> !first.isConnected());

            pub.connect();
            pub.publish(topic, "after take-over", 1);
            await().atMost(TIMEOUT).until(() -> second.received().size() == 1);
            assertThat(second.received()).containsExactly(new Msg(topic, "after take-over", 1, false));
            assertThat(first.received()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void withoutLinkStealingTheNewcomerIsRefusedAndTheFirstCarriesOn(Kind kind) {
        String name = TestClient.unique("ln");
        String topic = "ln/" + name;
        try (TestClient first = TestClient.create(kind, name, noStealing.port());
             TestClient second = TestClient.create(kind, name, noStealing.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", noStealing.port())) {
            first.connect();
            first.subscribe(topic, 1);
            Throwable refused = catchThrowable(second::connect);
            assertThat(refusalCode(refused)).as("CONNACK code").isEqualTo(kind.v5 ? 0x80 : 0x03);
            assertThat(second.isConnected()).isFalse();

            pub.connect();
            pub.publish(topic, "still here", 1);
            await().atMost(TIMEOUT).until(() -> first.received().size() == 1);
            assertThat(first.isConnected()).isTrue();

            first.disconnect();
            await().atMost(TIMEOUT).until(() -> noStealing.broker().sessions().get(kind.shortName + "-" + name) == null);
            try (TestClient third = TestClient.create(kind, name, noStealing.port())) {
                third.connect(); // the identifier is free again
                assertThat(third.isConnected()).isTrue();
            }
        }
    }

    /** The CONNACK reason / return code a refused connect reported, whatever the library. */
    private static int refusalCode(Throwable t) {
        if (t instanceof Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode().getCode();
        }
        if (t instanceof Mqtt3ConnAckException e) {
            return e.getMqttMessage().getReturnCode().getCode();
        }
        if (t != null && t.getCause() instanceof org.eclipse.paho.client.mqttv3.MqttException e) {
            return e.getReasonCode();
        }
        if (t != null && t.getCause() instanceof org.eclipse.paho.mqttv5.common.MqttException e) {
            return e.getReasonCode();
        }
        throw new AssertionError("not a refused CONNECT", t);
    }
}
