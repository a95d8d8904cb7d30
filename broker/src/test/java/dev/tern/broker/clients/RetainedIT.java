package dev.tern.broker.clients;

import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * Retained messages with every client library: set, replace, clear with an empty payload, and
 * delivery (RETAIN set) on subscribe, exact and through wildcards. Messages forwarded to an
 * existing subscription carry RETAIN 0 ([MQTT-3.3.1-9] in 3.1.1; MQTT 5 without Retain As
 * Published). A "fence" message published after each step proves nothing else arrived before it.
 */
class RetainedIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @ParameterizedTest
    @EnumSource(value = Kind.class, mode = EnumSource.Mode.EXCLUDE, names = "PAHO_V31") // same library as PAHO_V311
    void retainedMessageIsSetReplacedAndCleared(Kind kind) {
        String name = TestClient.unique("r");
        String topic = "ret/" + name;
        try (TestClient pub = TestClient.create(kind, name + "p", broker.port());
             TestClient sub = TestClient.create(kind, name + "s", broker.port())) {
            pub.connect();
            pub.publish(topic, "v1", 1, true);

            sub.connect();
            sub.subscribe(topic, 1);
            await().atMost(TIMEOUT).until(() -> sub.received().size() == 1);
            assertThat(sub.received()).containsExactly(new Msg(topic, "v1", 1, true));

            // replace: the live copy to the existing subscription has RETAIN 0
            pub.publish(topic, "v2", 1, true);
            await().atMost(TIMEOUT).until(() -> sub.received().size() == 2);
            assertThat(sub.received().get(1)).isEqualTo(new Msg(topic, "v2", 1, false));

            // subscribing again sends the retained message again: only the replacement
            sub.subscribe(topic, 1);
            await().atMost(TIMEOUT).until(() -> sub.received().size() == 3);
            assertThat(sub.received().get(2)).isEqualTo(new Msg(topic, "v2", 1, true));

            // clear: an empty retained payload is forwarded as an empty message and removes the retained one
            pub.publish(topic, "", 1, true);
            await().atMost(TIMEOUT).until(() -> sub.received().size() == 4);
            assertThat(sub.received().get(3)).isEqualTo(new Msg(topic, "", 1, false));
            assertThat(retainedTopicsContain(topic)).isFalse(); // cleared before the PUBACK

            sub.subscribe(topic, 1);
            pub.publish(topic, "fence", 1);
            await().atMost(TIMEOUT).until(() -> sub.payloads().contains("fence"));
            assertThat(sub.received()).hasSize(5);
            assertThat(sub.received().get(4)).isEqualTo(new Msg(topic, "fence", 1, false));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, mode = EnumSource.Mode.EXCLUDE, names = "PAHO_V31") // same library as PAHO_V311
    void wildcardSubscriptionGetsEveryMatchingRetainedMessageAtTheLowerQos(Kind kind) {
        String name = TestClient.unique("w");
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port());
             TestClient sub = TestClient.create(kind, name + "s", broker.port())) {
            pub.connect();
            pub.publish("wr/" + name + "/a", "A", 2, true);
            pub.publish("wr/" + name + "/b/c", "BC", 1, true);
            pub.publish("wr/" + name + "/d", "D", 0, true);
            pub.publish("wr/" + name + "/e", "not retained", 1, false);
            pub.publish("wr/other" + name, "elsewhere", 1, true);

            sub.connect();
            sub.subscribe("wr/" + name + "/#", 1);
            pub.publish("wr/" + name + "/fence", "fence", 1);
            await().atMost(TIMEOUT).until(() -> sub.payloads().contains("fence"));
            assertThat(sub.received()).hasSize(4);
            assertThat(sub.received().subList(0, 3)).containsExactlyInAnyOrder(
                new Msg("wr/" + name + "/a", "A", 1, true),
                new Msg("wr/" + name + "/b/c", "BC", 1, true),
                new Msg("wr/" + name + "/d", "D", 0, true));
            assertThat(sub.received().get(3)).isEqualTo(new Msg("wr/" + name + "/fence", "fence", 1, false));
        }
    }

    private static boolean retainedTopicsContain(String topic) {
        boolean[] found = {false};
        broker.broker().retained().match(topic, m -> found[0] = true);
        return found[0];
    }
}
