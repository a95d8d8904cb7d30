package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * A stream of messages while the network fails under both ends, again and again. Publisher and
 * subscriber are HiveMQ clients that reconnect by themselves and resume their sessions, keeping
 * their own QoS state; the broker keeps its side: in-flight messages resent, the QoS 2 packet
 * identifiers it already received (so a resent PUBLISH is not routed twice), the queue. At QoS 2
 * every message arrives exactly once and in order; at QoS 1 none is lost and the first copies are
 * in order (duplicates are what QoS 1 allows).
 */
class ConnectionFailureIT {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int MESSAGES = 400;
    private static final int CONNECT = 1;

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    void streamSurvivesRepeatedConnectionFailuresOnBothSides(int qos) {
        String name = TestClient.unique("cf");
        String topic = "cf/" + name;
        try (WireTap subTap = WireTap.start(broker.port()); WireTap pubTap = WireTap.start(broker.port())) {
            List<String> got = new CopyOnWriteArrayList<>();
            Mqtt5AsyncClient sub = reconnecting("hv5-" + name + "s", subTap.port());
            sub.publishes(MqttGlobalPublishFilter.ALL, p -> got.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
            sub.connectWith().cleanStart(true).sessionExpiryInterval(300).send().join();
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.fromCode(qos)).send().join();

            Mqtt5AsyncClient pub = reconnecting("hv5-" + name + "p", pubTap.port());
            pub.connectWith().cleanStart(true).sessionExpiryInterval(300).send().join();
            List<String> sent = IntStream.range(0, MESSAGES).mapToObj(i -> "m" + i).toList();
            List<CompletableFuture<Mqtt5PublishResult>> results = sent.stream().map(p -> pub.publishWith().topic(topic)
                .qos(MqttQos.fromCode(qos)).payload(p.getBytes(StandardCharsets.UTF_8)).send()).toList();

            for (int cut = 1; cut <= 4; cut++) {
                int at = cut * MESSAGES / 5;
                Mqtt5AsyncClient victim = cut % 2 == 1 ? sub : pub;
                WireTap tap = cut % 2 == 1 ? subTap : pubTap;
                long connectsSoFar = 1 + (cut - 1) / 2; // the first connect and one per earlier cut of this side
                // the victim is back from its last failure (its CONNECT went through the tap: a client that has
                // not noticed the reset yet still says connected) and the stream has moved on (distinct
                // messages: at QoS 1 duplicates would count early)
                await().atMost(TIMEOUT).until(() -> connects(tap) == connectsSoFar && victim.getState().isConnected()
                    && new LinkedHashSet<>(got).size() >= at);
                tap.cut();
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();
            assertThat(results).allSatisfy(r -> assertThat(r.join().getError()).isEmpty());
            await().atMost(TIMEOUT).until(() -> new LinkedHashSet<>(got).size() == MESSAGES);
            // a fence after everything: duplicates of earlier messages would have arrived before it
            pub.publishWith().topic(topic).qos(MqttQos.fromCode(qos)).payload("fence".getBytes(StandardCharsets.UTF_8))
                .send().join();
            await().atMost(TIMEOUT).until(() -> got.contains("fence"));

            List<String> firstCopies = List.copyOf(new LinkedHashSet<>(got));
            assertThat(firstCopies.subList(0, MESSAGES)).as("first copies in publish order").containsExactlyElementsOf(sent);
            if (qos == 2) {
                assertThat(got).as("exactly once").hasSize(MESSAGES + 1);
            }
            // each side connected three times: the first time and after each of its two failures (a client
            // cut just before the fence may still be reconnecting, so wait for it before counting)
            await().atMost(TIMEOUT).until(() -> connects(subTap) >= 3 && connects(pubTap) >= 3);
            assertThat(connects(subTap)).isEqualTo(3);
            assertThat(connects(pubTap)).isEqualTo(3);
            sub.disconnect().join();
            pub.disconnect().join();
        }
    }

    private static long connects(WireTap tap) {
        return tap.frames().stream().filter(f -> f.type() == CONNECT).count();
    }

    private static Mqtt5AsyncClient reconnecting(String id, int port) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
            .automaticReconnect().initialDelay(10, TimeUnit.MILLISECONDS).maxDelay(50, TimeUnit.MILLISECONDS)
            .applyAutomaticReconnect().buildAsync();
    }
}
