package dev.tern.gateway;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.gateway.mqtt.ConsumerSession;
import dev.tern.gateway.support.BackendBroker;
import dev.tern.gateway.support.GatewayFixture;
import dev.tern.gateway.support.MqttProbe;
import dev.tern.gateway.support.SseClient;
import dev.tern.gateway.support.WebhookReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static dev.tern.gateway.support.GatewayFixture.base;
import static dev.tern.gateway.support.GatewayFixture.get;
import static dev.tern.gateway.support.GatewayFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every entrypoint end to end through a real gateway to a real broker; run once against an embedded
 * Tern and once against a real Mosquitto by the two subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EntrypointsContract {
    protected BackendBroker broker;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    @TempDir
    Path dataDir;

    protected abstract BackendBroker newBroker();

    /**
     * MQTT 5 §1.5.4 lets a receiver refuse control characters (U+0001..U+001F) in a UTF-8 string as
     * malformed; Tern accepts them, Mosquitto does not.
     */
    protected abstract boolean acceptsControlCharactersInStrings();

    /** [MQTT-3.3.4-9] the broker sends no more unacknowledged QoS 1/2 messages than the client's Receive Maximum. */
    protected abstract boolean honoursReceiveMaximum();

    @BeforeAll
    void startBroker() {
        broker = newBroker();
    }

    @AfterAll
    void stopBroker() {
        broker.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        toClose.clear();
    }

    protected <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    protected Gateway gateway(String extraShared) throws Exception {
        return closeLater(GatewayFixture.start(GatewayFixture.demo(broker.port(), dataDir, extraShared)));
    }

    protected MqttProbe probe() {
        return closeLater(new MqttProbe(broker.port()));
    }

    static String consumer() {
        return "app-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void httpPostPublishesOneMessageWithItsPropertiesAndAnswersAfterTheAck() throws Exception {
        Gateway g = gateway(null);
        MqttProbe probe = probe().subscribe("demo/#");
        HttpResponse<String> r = post(base(g) + "/demo", "hello", "Content-Type", "text/plain", "X-Trace", "t-1");
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.body()).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.received.size() == 1);
        Mqtt5Publish p = probe.received.get(0);
        assertThat(p.getTopic().toString()).isEqualTo("demo/in");
        assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(p.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
        assertThat(p.getContentType().map(Object::toString)).contains("text/plain");
        assertThat(p.getResponseTopic().map(Object::toString)).contains("demo/replies");
        assertThat(p.getMessageExpiryInterval().isPresent()).isTrue();
        assertThat(p.getUserProperties().asList()).anyMatch(up -> up.getName().toString().equalsIgnoreCase("x-trace")
            && up.getValue().toString().equals("t-1"));
    }

    @Test
    void httpPostTopicOverrideIsCheckedAgainstTheAllowedTopics() throws Exception {
        Gateway g = gateway(null);
        MqttProbe probe = probe().subscribe("#");
        assertThat(post(base(g) + "/demo", "a", "X-Mqtt-Topic", "demo/room/1").statusCode()).isEqualTo(202);
        assertThat(post(base(g) + "/demo?topic=demo/room/2", "b").statusCode()).isEqualTo(202);
        HttpResponse<String> forbidden = post(base(g) + "/demo", "c", "X-Mqtt-Topic", "secret/x");
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(new JsonObject(forbidden.body()).getString("key")).isEqualTo("TOPIC_FORBIDDEN");
        HttpResponse<String> invalid = post(base(g) + "/demo", "d", "X-Mqtt-Topic", "demo/+");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(invalid.body()).getString("key")).isEqualTo("INVALID_TOPIC");
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.received.size() >= 2);
        assertThat(probe.received).extracting(p -> p.getTopic().toString()).containsExactlyInAnyOrder("demo/room/1", "demo/room/2");
    }

    @Test
    void httpGetKeepsTheConsumerSessionBetweenPollsSoNothingIsLost() throws Exception {
        Gateway g = gateway(null);
        String who = consumer();
        MqttProbe probe = probe();
        HttpResponse<String> first = poll(g, who, "", "application/json");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(first.body()).getJsonArray("items")).isEmpty();
        // published while no poll is in flight
        for (int i = 1; i <= 3; i++) {
            probe.publish("demo/sensors/" + i, "m" + i);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 1);
        HttpResponse<String> second = poll(g, who, "?limit=3", "application/json");
        JsonObject page = new JsonObject(second.body());
        JsonArray items = page.getJsonArray("items");
        assertThat(items).hasSize(3);
        assertThat(items.stream().map(o -> ((JsonObject) o).getString("content")).toList()).containsExactly("m1", "m2", "m3");
        JsonObject firstItem = items.getJsonObject(0);
        assertThat(firstItem.getJsonObject("metadata").getString("topic")).isEqualTo("demo/sensors/1");
        assertThat(page.getJsonObject("pagination").getString("limit")).isEqualTo("3");
        String cursorAfterFirst = firstItem.getString("id");
        // a cursor replays what came after it (the page was "lost" on the way)
        HttpResponse<String> replay = poll(g, who, "?limit=2&cursor=" + cursorAfterFirst, "application/xml");
        assertThat(replay.headers().firstValue("Content-Type")).contains("application/xml");
        assertThat(replay.body()).startsWith("<response><items><item>").contains("<![CDATA[m2]]>", "<![CDATA[m3]]>")
            .doesNotContain("m1");
        probe.publish("demo/x", "line1");
        HttpResponse<String> text = poll(g, who, "?limit=1", null);
        assertThat(text.headers().firstValue("Content-Type")).contains("text/plain");
        assertThat(text.body()).startsWith("items\n").contains("content: line1", "pagination", "limit: 1");
    }

    @Test
    void aConsumerSessionHoldsAtMostConsumerBufferSizeAndLosesNothingOnceDrained() throws Exception {
        Gateway g = closeLater(GatewayFixture.start(GatewayFixture.demo(broker.port(), dataDir, null)
            .replace("dataDir: " + dataDir, "dataDir: " + dataDir + "\nconsumerBufferSize: 5")));
        String who = consumer();
        assertThat(poll(g, who, "?limit=1&topic=demo/bounded", "application/json").statusCode()).isEqualTo(200);
        ConsumerSession session = g.sessions().list().get(0);
        List<String> sent = IntStream.rangeClosed(1, 20).mapToObj(i -> "m" + i).toList();
        probe().publishBurst("demo/bounded", sent);
        // the client announced Receive Maximum 5: the broker keeps the other 15 until a reader drains the session
        await().atMost(Duration.ofSeconds(10)).until(() -> session.pendingCount() == 5 || !session.announcesReceiveMaximum());
        List<String> got = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            new JsonObject(poll(g, who, "?limit=7&topic=demo/bounded", "application/json").body()).getJsonArray("items")
                .forEach(o -> got.add(((JsonObject) o).getString("content")));
            return new LinkedHashSet<>(got).size() >= 20;
        });
        if (honoursReceiveMaximum()) {
            assertThat(session.announcesReceiveMaximum()).isTrue();
            assertThat(session.maxPending()).isEqualTo(5);
            assertThat(got).containsExactlyElementsOf(sent); // in order, none lost, none twice
        } else {
            // the broker ignored it at some point: the client reconnected once without one (nothing lost; what a
            // reader had already taken but the broker had not yet seen acknowledged may come twice: at least once)
            assertThat(session.maxPending()).isLessThanOrEqualTo(20);
            assertThat(new ArrayList<>(new LinkedHashSet<>(got))).containsExactlyElementsOf(sent);
        }
    }

    @Test
    void httpGetRefusesAnUnsupportedAcceptWith400() throws Exception {
        Gateway g = gateway(null);
        HttpResponse<String> r = poll(g, consumer(), "", "image/png");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(r.body()).getString("key")).isEqualTo("UNSUPPORTED_ACCEPT_HEADER");
        assertThat(poll(g, consumer(), "", "*/*").headers().firstValue("Content-Type")).contains("application/json");
    }

    protected HttpResponse<String> poll(Gateway g, String who, String query, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base(g) + "/demo" + query)).timeout(Duration.ofSeconds(20))
            .header("X-Gravitee-Client-Identifier", who).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return GatewayFixture.send(b.build());
    }

    @Test
    void sseFramesMultiLinePayloadsSendsHeartbeatsAndResumesFromLastEventId() throws Exception {
        Gateway g = gateway(null);
        String who = consumer();
        MqttProbe probe = probe();
        SseClient sse = closeLater(new SseClient(base(g) + "/demo", Map.of("X-Gravitee-Client-Identifier", who)));
        assertThat(sse.awaitStatus()).isEqualTo(200);
        assertThat(sse.headers.get("content-type")).containsExactly("text/event-stream;charset=UTF-8");
        await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 1 && "3000".equals(sse.retry));
        probe.publish("demo/a", "first line\nsecond line\r\nthird");
        SseClient.Event e1 = sse.next();
        assertThat(e1.event()).isEqualTo("message");
        assertThat(e1.data()).isEqualTo("first line\nsecond line\nthird");
        assertThat(e1.comments()).contains("topic: demo/a");
        probe.publish("demo/b", "two");
        SseClient.Event e2 = sse.next();
        assertThat(e2.data()).isEqualTo("two");
        await().atMost(Duration.ofSeconds(10)).until(() -> sse.heartbeats.get() >= 1);
        sse.close();
        probe.publish("demo/c", "three");
        SseClient again = closeLater(new SseClient(base(g) + "/demo",
            Map.of("X-Gravitee-Client-Identifier", who, "Last-Event-ID", e1.id())));
        // e2 is replayed (delivered after e1), then the message published while no stream was open
        assertThat(again.next().data()).isEqualTo("two");
        assertThat(again.next().data()).isEqualTo("three");
    }

    @Test
    void concurrentStreamsOfOneConsumerSplitTheMessages() throws Exception {
        Gateway g = gateway(null);
        String who = consumer();
        MqttProbe probe = probe();
        SseClient a = closeLater(new SseClient(base(g) + "/demo", Map.of("X-Gravitee-Client-Identifier", who)));
        SseClient b = closeLater(new SseClient(base(g) + "/demo", Map.of("X-Gravitee-Client-Identifier", who)));
        assertThat(a.awaitStatus()).isEqualTo(200);
        assertThat(b.awaitStatus()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.retry != null && b.retry != null);
        for (int i = 0; i < 10; i++) {
            probe.publish("demo/split", "s" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.events.size() + b.events.size() == 10);
        Set<String> all = new HashSet<>();
        a.events.forEach(e -> all.add(e.data()));
        b.events.forEach(e -> all.add(e.data()));
        assertThat(all).hasSize(10);
        assertThat(a.events).isNotEmpty();
        assertThat(b.events).isNotEmpty();
    }

    @Test
    void webSocketPublishesEveryInboundMessageAndStreamsConsumedOnes() throws Exception {
        Gateway g = gateway(null);
        MqttProbe probe = probe().subscribe("demo/in");
        WsClient ws = closeLater(new WsClient(base(g).replace("http", "ws") + "/demo", consumer()));
        await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 1);
        ws.socket.sendText("from-ws", true).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.payloads().contains("from-ws"));
        probe.publish("demo/out", "to-ws");
        await().atMost(Duration.ofSeconds(10)).until(() -> ws.messages.contains("to-ws"));
        ws.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> ws.closeCode.isDone());
        assertThat(ws.closeCode.get()).isEqualTo(1000);
    }

    @Test
    void noLocalKeepsASocketsOwnMessagesFromComingBack() throws Exception {
        Gateway g = closeLater(GatewayFixture.start(GatewayFixture.demo(broker.port(), dataDir, null)
            .replace("- type: websocket\n", "- type: websocket\n        configuration: {subscriber: {noLocal: true}}\n")));
        WsClient ws = closeLater(new WsClient(base(g).replace("http", "ws") + "/demo?topic=demo/in", consumer()));
        await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 1);
        MqttProbe probe = probe().subscribe("demo/in");
        ws.socket.sendText("mine", true).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.payloads().contains("mine")); // it did go out
        probe.publish("demo/in", "theirs");
        await().atMost(Duration.ofSeconds(10)).until(() -> ws.messages.contains("theirs"));
        assertThat(ws.messages).containsExactly("theirs");
    }

    @Test
    void aWebSocketEnvelopeOverridesTheTopicPerMessageInsideTheAllowedTopics() throws Exception {
        Gateway g = closeLater(GatewayFixture.start(GatewayFixture.demo(broker.port(), dataDir, null)
            .replace("- type: websocket\n", "- type: websocket\n        configuration: {publisher: {envelope: true}}\n")));
        MqttProbe probe = probe().subscribe("demo/room/#");
        // the upgrade request's topic is the request-level attribute; an envelope's own attribute wins (reference 1.5)
        WsClient ws = closeLater(new WsClient(base(g).replace("http", "ws") + "/demo?topic=demo/room/1", consumer()));
        await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 1);
        ws.socket.sendText("{\"content\": \"per-message\", \"headers\": {\"unit\": \"C\", \"a-second\": \"2\"},"
            + " \"attributes\": {\"gravitee.attribute.mqtt5.topic\": \"demo/room/9\"}}", true).get(5, TimeUnit.SECONDS);
        ws.socket.sendText("{\"content\": \"per-request\"}", true).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.received.size() == 2);
        Mqtt5Publish perMessage = probe.received.stream().filter(p -> p.getTopic().toString().equals("demo/room/9")).findFirst().orElseThrow();
        assertThat(new String(perMessage.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("per-message");
        assertThat(perMessage.getUserProperties().asList()).extracting(up -> up.getName() + "=" + up.getValue())
            .containsExactly("unit=C", "a-second=2"); // in the envelope's order
        assertThat(probe.received).filteredOn(p -> p.getTopic().toString().equals("demo/room/1"))
            .extracting(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).containsExactly("per-request");
        // outside allowedTopics: the message is refused (the reference's 403) and the socket closes with 1008
        ws.socket.sendText("{\"content\": \"nope\", \"attributes\": {\"gravitee.attribute.mqtt5.topic\": \"secret/x\"}}", true);
        assertThat(ws.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(ws.closeReason).startsWith("TOPIC_FORBIDDEN");
        assertThat(probe.payloads()).doesNotContain("nope");
        WsClient bad = closeLater(new WsClient(base(g).replace("http", "ws") + "/demo", consumer()));
        bad.socket.sendText("not json", true);
        assertThat(bad.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(bad.closeReason).startsWith("INVALID_REQUEST: envelope $: is not JSON");
    }

    @Test
    void aRetainedSnapshotGivesANewConsumerTheLastValuesWithIdsThatResume() throws Exception {
        Gateway g = closeLater(GatewayFixture.start(GatewayFixture.demo(broker.port(), dataDir, null)
            .replace("consumer: {enabled: true, topic: \"demo/#\"}", "consumer: {enabled: true, topic: \"demo/#\", retainedSnapshot: true}")));
        String who = consumer();
        String topic = "demo/last/" + who;
        try (MqttProbe p = new MqttProbe(broker.port())) {
            p.publishRetained(topic, "last-value");
        }
        try {
            snapshotIdsResume(g, who, topic);
        } finally {
            try (MqttProbe p = new MqttProbe(broker.port())) {
                p.publishRetained(topic, ""); // a retained message left behind would reach later tests' probes
            }
        }
    }

    private void snapshotIdsResume(Gateway g, String who, String topic) throws Exception {
        HttpResponse<String> first = poll(g, who, "?limit=1&topic=" + topic, "application/json");
        JsonObject item = new JsonObject(first.body()).getJsonArray("items").getJsonObject(0);
        assertThat(item.getString("content")).isEqualTo("last-value");
        assertThat(item.getJsonObject("metadata").getString("retain")).isEqualTo("true");
        String snapshotId = item.getString("id");
        // the snapshot message's id works as a cursor and as a Last-Event-ID like any other
        try (MqttProbe p = new MqttProbe(broker.port())) {
            p.publish(topic, "live-1");
        }
        JsonObject live = new JsonObject(poll(g, who, "?limit=1&topic=" + topic, "application/json").body())
            .getJsonArray("items").getJsonObject(0);
        assertThat(live.getString("content")).isEqualTo("live-1");
        HttpResponse<String> replay = poll(g, who, "?limit=1&topic=" + topic + "&cursor=" + snapshotId, "application/json");
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(replay.body()).getJsonArray("items")).extracting(o -> ((JsonObject) o).getString("id"))
            .containsExactly(live.getString("id"));
        SseClient sse = closeLater(new SseClient(base(g) + "/demo?topic=" + topic,
            Map.of("X-Gravitee-Client-Identifier", who, "Last-Event-ID", snapshotId)));
        SseClient.Event again = sse.next();
        assertThat(again.data()).isEqualTo("live-1");
        assertThat(again.id()).isEqualTo(live.getString("id"));
    }

    @Test
    void webSocketClosesWith1013WhenTheGatewayStops() throws Exception {
        Gateway g = GatewayFixture.start(GatewayFixture.demo(broker.port(), dataDir, null));
        WsClient ws = closeLater(new WsClient(base(g).replace("http", "ws") + "/demo", consumer()));
        await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 1);
        g.close();
        assertThat(ws.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1013);
    }

    @Test
    void webhookRetriesWithBackOffUntilA2xxAndLosesNothing() throws Exception {
        Gateway g = gateway(null);
        WebhookReceiver receiver = closeLater(new WebhookReceiver(3));
        String who = consumer();
        JsonObject sub = subscribe(g, who, receiver.url(), null);
        assertThat(sub.getString("topic")).isEqualTo("demo/#");
        awaitSubscribed(g, sub.getString("id"), who);
        MqttProbe probe = probe();
        for (int i = 1; i <= 5; i++) {
            probe.publish("demo/hook", "w" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.delivered().size() >= 5);
        assertThat(receiver.delivered()).containsExactly("w1", "w2", "w3", "w4", "w5");
        // the first message was refused three times, then delivered on the fourth attempt
        assertThat(receiver.calls.subList(0, 4)).extracting(WebhookReceiver.Call::body).containsOnly("w1");
        assertThat(receiver.calls.get(3).headers().get("X-tern-attempt")).containsExactly("4");
        assertThat(receiver.calls.get(0).headers().get("X-tern-topic")).containsExactly("demo/hook");
        assertThat(receiver.calls).allSatisfy(c -> assertThat(c.headers().get("X-test")).containsExactly("yes"));
        JsonObject status = subscription(g, who, sub.getString("id")).getJsonObject("status");
        assertThat(status.getLong("delivered")).isEqualTo(5);
        assertThat(status.getLong("failedCalls")).isEqualTo(3);
    }

    @Test
    void webhookSendsToTheDeadLetterTopicAfterTheLastAttempt() throws Exception {
        Gateway g = gateway(null);
        WebhookReceiver receiver = closeLater(new WebhookReceiver(4));
        MqttProbe dlq = probe().subscribe("dlq/#");
        String who = consumer();
        JsonObject sub = subscribe(g, who, receiver.url(), null);
        awaitSubscribed(g, sub.getString("id"), who);
        MqttProbe probe = probe();
        probe.publish("demo/poison", "bad");
        probe.publish("demo/fine", "good");
        await().atMost(Duration.ofSeconds(20)).until(() -> dlq.received.size() == 1 && receiver.delivered().contains("good"));
        Mqtt5Publish dead = dlq.received.get(0);
        assertThat(new String(dead.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("bad");
        assertThat(dead.getUserProperties().asList()).anyMatch(up -> up.getName().toString().equals("x-original-topic")
            && up.getValue().toString().equals("demo/poison"));
        assertThat(receiver.calls.stream().filter(c -> c.body().equals("bad")).count()).isEqualTo(4);
    }

    @Test
    void webhookSkipsUserPropertiesThatCannotBeHeadersAndKeepsDelivering() throws Exception {
        Gateway g = gateway(null);
        WebhookReceiver receiver = closeLater(new WebhookReceiver(0));
        String who = consumer();
        JsonObject sub = subscribe(g, who, receiver.url(), "demo/props/#");
        awaitSubscribed(g, sub.getString("id"), who);
        MqttProbe probe = probe();
        // all legal in MQTT 5, none a valid HTTP header (or one the gateway's client owns)
        List<String> props = new ArrayList<>(List.of("bad name", "v", "a:b", "v", "Grüße", "v", "X-Unit", "°C",
            "Host", "evil.example", "Content-Length", "1", "Transfer-Encoding", "chunked", "Connection", "close",
            "X-Tern-Attempt", "99", "X-Good", "  yes  "));
        if (acceptsControlCharactersInStrings()) {
            props.addAll(List.of("X-Line", "one\r\ntwo", "X-Tab", "a\u0001b"));
        }
        probe.publishWithProperties("demo/props/1", "odd", props.toArray(new String[0]));
        probe.publish("demo/props/2", "next");
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.delivered().containsAll(List.of("odd", "next")));
        WebhookReceiver.Call odd = receiver.calls.stream().filter(c -> c.body().equals("odd")).findFirst().orElseThrow();
        assertThat(odd.headers().get("X-good")).containsExactly("yes");
        assertThat(odd.headers().get("X-test")).containsExactly("yes"); // the subscription's own header
        assertThat(odd.headers().get("X-tern-attempt")).containsExactly("1");
        assertThat(odd.headers().get("Host")).allMatch(h -> h.startsWith("127.0.0.1"));
        assertThat(odd.headers().get("Content-length")).containsExactly("3");
        assertThat(odd.headers()).doesNotContainKeys("Transfer-encoding", "X-line", "X-tab", "X-unit", "Bad name", "A:b");
        assertThat(odd.headers().getOrDefault("Connection", List.of())).noneMatch(v -> v.equalsIgnoreCase("close"));
        JsonObject status = subscription(g, who, sub.getString("id")).getJsonObject("status");
        assertThat(status.getLong("skippedProperties")).isEqualTo(props.size() / 2 - 1); // all but X-Good
        assertThat(status.getLong("failedCalls")).isZero();
    }

    @Test
    void aSubscriptionWithAHeaderThatCannotBeSentIsRefusedWith400() throws Exception {
        Gateway g = gateway(null);
        for (JsonObject header : List.of(new JsonObject().put("name", "X-A").put("value", "one\ntwo"),
            new JsonObject().put("name", "Content-Length").put("value", "1"),
            new JsonObject().put("name", "Grüße").put("value", "v"))) {
            JsonObject body = new JsonObject().put("callbackUrl", "http://127.0.0.1:9/hook")
                .put("headers", new JsonArray().add(header));
            HttpResponse<String> r = post(base(g) + "/_gateway/apis/demo/subscriptions", body.encode(),
                "X-Gravitee-Client-Identifier", consumer(), "Content-Type", "application/json");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            JsonObject error = new JsonObject(r.body());
            assertThat(error.getString("key")).isEqualTo("INVALID_REQUEST");
            assertThat(error.getJsonObject("parameters").getString("exception")).startsWith("$.headers[0].");
        }
    }

    @Test
    void webhookSubscriptionsAreKeptAcrossGatewayRestartsAndCanBeDeleted() throws Exception {
        WebhookReceiver receiver = closeLater(new WebhookReceiver(0));
        String who = consumer();
        String id;
        try (Gateway g = GatewayFixture.start(GatewayFixture.demo(broker.port(), dataDir, null))) {
            id = subscribe(g, who, receiver.url(), "demo/kept/#").getString("id");
            awaitSubscribed(g, id, who);
        }
        Gateway g2 = gateway(null);
        awaitSubscribed(g2, id, who);
        MqttProbe probe = probe();
        probe.publish("demo/kept/1", "after-restart");
        probe.publish("demo/other", "not-mine");
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.delivered().contains("after-restart"));
        HttpResponse<String> del = GatewayFixture.send(HttpRequest.newBuilder(URI.create(base(g2) + "/_gateway/apis/demo/subscriptions/" + id))
            .header("X-Gravitee-Client-Identifier", who).DELETE().build());
        assertThat(del.statusCode()).isEqualTo(204);
        HttpResponse<String> gone = GatewayFixture.send(HttpRequest.newBuilder(URI.create(base(g2) + "/_gateway/apis/demo/subscriptions/" + id))
            .header("X-Gravitee-Client-Identifier", who).GET().build());
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(receiver.delivered()).doesNotContain("not-mine");
    }

    @Test
    void aWebhookMessageNotYetDeliveredWhenTheGatewayStopsIsDeliveredAfterItsRestart() throws Exception {
        WebhookReceiver receiver = closeLater(new WebhookReceiver(Integer.MAX_VALUE));
        MqttProbe dlq = probe().subscribe("dlq/#");
        String who = consumer();
        String id;
        try (Gateway g = GatewayFixture.start(GatewayFixture.demo(broker.port(), dataDir,
            null).replace("maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 400", "maxAttempts: 10, initialDelayMs: 2000, maxDelayMs: 2000"))) {
            id = subscribe(g, who, receiver.url(), "demo/crash/#").getString("id");
            awaitSubscribed(g, id, who);
            probe().publish("demo/crash/1", "in-flight");
            // refused once; the next attempt is 2 s away when the gateway stops: the PUBACK was never sent
            await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.calls.isEmpty());
        }
        receiver.failNext(0);
        Gateway g2 = gateway(null);
        awaitSubscribed(g2, id, who);
        await().atMost(Duration.ofSeconds(15)).until(() -> receiver.delivered().contains("in-flight"));
        assertThat(dlq.received).isEmpty();
    }

    @Test
    void anSseStreamSurvivesABrokerRestart() throws Exception {
        Gateway g = gateway(null);
        String who = consumer();
        SseClient sse = closeLater(new SseClient(base(g) + "/demo", Map.of("X-Gravitee-Client-Identifier", who)));
        assertThat(sse.awaitStatus()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 1);
        try (MqttProbe before = new MqttProbe(broker.port())) {
            before.publish("demo/r", "before");
        }
        assertThat(sse.next().data()).isEqualTo("before");
        broker.restart();
        // the gateway reconnects and resubscribes; publish until the stream sees a message again
        try (MqttProbe after = new MqttProbe(broker.port())) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
                after.publish("demo/r", "after");
                return sse.events.stream().anyMatch(e -> e.data().equals("after"));
            });
        }
        assertThat(sse.ended).isFalse();
    }

    @Test
    void anUnreachableBrokerGivesEndpointConnectionFailedAsJson() throws Exception {
        Gateway g = gateway(null);
        broker.stop();
        try {
            HttpResponse<String> r = post(base(g) + "/demo", "x");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
            JsonObject body = new JsonObject(r.body());
            assertThat(body.getString("key")).isEqualTo("FAILURE_ENDPOINT_CONNECTION_FAILED");
            assertThat(body.getString("message")).isEqualTo("Endpoint connection failed");
            assertThat(body.getInteger("http_status_code")).isEqualTo(500);
            HttpResponse<String> sse = get(base(g) + "/demo", "text/event-stream");
            assertThat(new JsonObject(sse.body()).getString("key")).isEqualTo("FAILURE_ENDPOINT_CONNECTION_FAILED");
        } finally {
            broker.startAgain();
        }
    }

    @Test
    void aWebSocketClosesWith1011WhenTheBrokerIsGoneForGood() throws Exception {
        Gateway g = gateway("reconnectAttempts: 0");
        WsClient ws = closeLater(new WsClient(base(g).replace("http", "ws") + "/demo", consumer()));
        await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 1);
        broker.stop();
        try {
            assertThat(ws.closeCode.get(15, TimeUnit.SECONDS)).isEqualTo(1011);
            assertThat(ws.closeReason).startsWith("FAILURE_ENDPOINT_CONNECTION_CLOSED");
        } finally {
            broker.startAgain();
        }
    }

    @Test
    void anSseStreamEndsWithConnectionClosedWhenItsReconnectsRunOut() throws Exception {
        // reconnects that fail (connection refused) are not a failed first connect: the flow had its connection
        Gateway g = gateway("reconnectAttempts: 2");
        SseClient sse = closeLater(new SseClient(base(g) + "/demo", Map.of("X-Gravitee-Client-Identifier", consumer())));
        assertThat(sse.awaitStatus()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 1);
        broker.stop();
        try {
            SseClient.Event error = sse.next();
            assertThat(error.event()).isEqualTo("error");
            JsonObject body = new JsonObject(error.data());
            assertThat(body.getString("key")).isEqualTo("FAILURE_ENDPOINT_CONNECTION_CLOSED");
            assertThat(body.getString("message")).isEqualTo("Endpoint connection closed");
            assertThat(body.getJsonObject("parameters").getString("exception")).contains("gave up after 2 reconnect attempt(s)");
            await().atMost(Duration.ofSeconds(5)).until(() -> sse.ended);
        } finally {
            broker.startAgain();
        }
    }

    protected JsonObject subscribe(Gateway g, String who, String url, String topic) throws Exception {
        JsonObject body = new JsonObject().put("callbackUrl", url)
            .put("headers", new JsonArray().add(new JsonObject().put("name", "X-Test").put("value", "yes")));
        if (topic != null) {
            body.put("topic", topic);
        }
        HttpResponse<String> r = post(base(g) + "/_gateway/apis/demo/subscriptions", body.encode(),
            "X-Gravitee-Client-Identifier", who, "Content-Type", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return new JsonObject(r.body());
    }

    protected JsonObject subscription(Gateway g, String who, String id) throws Exception {
        HttpResponse<String> r = GatewayFixture.send(HttpRequest.newBuilder(URI.create(base(g) + "/_gateway/apis/demo/subscriptions/" + id))
            .header("X-Gravitee-Client-Identifier", who).GET().build());
        assertThat(r.statusCode()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    protected void awaitSubscribed(Gateway g, String id, String who) {
        await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(
            subscription(g, who, id).getJsonObject("status").getString("state")));
    }

    /** A java.net.http WebSocket client collecting text messages and the close code. */
    static final class WsClient implements AutoCloseable {
        final WebSocket socket;
        final List<String> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        volatile String closeReason;

        WsClient(String url, String who) throws Exception {
            socket = GatewayFixture.HTTP.newWebSocketBuilder().header("X-Gravitee-Client-Identifier", who)
                .buildAsync(URI.create(url), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            messages.add(text.toString());
                            text.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                        closeReason = reason;
                        closeCode.complete(statusCode);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket ws, Throwable error) {
                        closeCode.completeExceptionally(error);
                    }
                }).get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            socket.abort();
        }
    }
}
