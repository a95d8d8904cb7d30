package dev.tern.broker.clients;

import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * MQTT over WebSocket (MQTT 5 section 6) with every client library, against the broker's WebSocket
 * listener (path /mqtt): messages cross between WebSocket and TCP clients in both directions at
 * QoS 1 and 2, each once and in order, and a payload larger than one WebSocket frame survives.
 */
class WebSocketIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults().withWebSocket();

    @ParameterizedTest
    @EnumSource(Kind.class)
    void messagesCrossBetweenWebSocketAndTcpBothWays(Kind kind) {
        String name = TestClient.unique("ws");
        String toWs = "ws/" + name + "/down";
        String toTcp = "ws/" + name + "/up";
        try (TestClient ws = TestClient.createOverWebSocket(kind, name + "w", broker.wsPort());
             TestClient tcp = TestClient.create(Kind.HIVEMQ_V5, name + "t", broker.port())) {
            ws.connect();
            ws.subscribe(toWs, 2);
            tcp.connect();
            tcp.subscribe(toTcp, 2);
            List<Msg> down = new ArrayList<>();
            List<Msg> up = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int qos = 1 + i % 2;
                tcp.publish(toWs, "d" + i, qos);
                down.add(new Msg(toWs, "d" + i, qos, false));
                ws.publish(toTcp, "u" + i, qos);
                up.add(new Msg(toTcp, "u" + i, qos, false));
            }
            // a fence per QoS: Paho hands QoS 2 messages over later than QoS 1 ones
            for (int qos = 1; qos <= 2; qos++) {
                tcp.publish(toWs, "fence" + qos, qos);
                down.add(new Msg(toWs, "fence" + qos, qos, false));
                ws.publish(toTcp, "fence" + qos, qos);
                up.add(new Msg(toTcp, "fence" + qos, qos, false));
            }
            await().atMost(TIMEOUT).until(() -> ws.payloads().containsAll(List.of("fence1", "fence2"))
                && tcp.payloads().containsAll(List.of("fence1", "fence2")));
            assertThat(ws.received()).containsExactlyInAnyOrderElementsOf(down);
            assertThat(tcp.received()).containsExactlyInAnyOrderElementsOf(up);
            for (int qos = 1; qos <= 2; qos++) {
                int q = qos;
                assertThat(ws.received().stream().filter(m -> m.qos() == q).toList())
                    .containsExactlyElementsOf(down.stream().filter(m -> m.qos() == q).toList());
            }
        }
    }

    @Test
    void payloadLargerThanAFrameArrivesWhole() {
        String name = TestClient.unique("wl");
        String topic = "wl/" + name;
        String big = "0123456789abcdef".repeat(200 * 1024 / 16); // 200 KiB
        try (TestClient hive = TestClient.createOverWebSocket(Kind.HIVEMQ_V5, name + "h", broker.wsPort());
             TestClient paho = TestClient.createOverWebSocket(Kind.PAHO_V311, name + "p", broker.wsPort())) {
            hive.connect();
            hive.subscribe(topic, 1);
            paho.connect();
            paho.subscribe(topic, 1);
            paho.publish(topic, big, 1);
            hive.publish(topic, big + "!", 1);
            await().atMost(TIMEOUT).until(() -> hive.received().size() == 2 && paho.received().size() == 2);
            assertThat(hive.payloads()).containsExactly(big, big + "!");
            assertThat(paho.payloads()).containsExactly(big, big + "!");
        }
    }
}
