package dev.tern.gateway;

import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.gateway.mqtt.ConsumerSession;
import dev.tern.gateway.support.GatewayFixture;
import dev.tern.gateway.support.SseClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.tern.gateway.support.GatewayFixture.base;
import static dev.tern.gateway.support.GatewayFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Bounds and lifecycle: pooled sessions expire and are capped, bodies are capped, unknown routes are 404. */
class LimitsIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();
    @TempDir
    Path dir;

    Gateway gateway(String extraTop, String sessionExpiry) throws Exception {
        String yaml = GatewayFixture.demo(broker.port(), dir, null)
            .replace("sessionExpiryInterval: 60", "sessionExpiryInterval: " + sessionExpiry)
            .replace("http: {host: 127.0.0.1, port: 0}", "http: {host: 127.0.0.1, port: 0, maxRequestBodySize: 1024}\n" + extraTop);
        return GatewayFixture.start(yaml);
    }

    static HttpResponse<String> poll(Gateway g, String who) throws Exception {
        return GatewayFixture.send(HttpRequest.newBuilder(URI.create(base(g) + "/demo?limit=1"))
            .header("X-Gravitee-Client-Identifier", who).header("Accept", "application/json").GET().build());
    }

    @Test
    void aPooledConsumerSessionEndsAfterSessionExpiryIntervalIdle() throws Exception {
        try (Gateway g = gateway("", "1")) {
            assertThat(poll(g, "idle-app").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(1)).until(() -> g.sessions().size() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> g.sessions().size() == 0);
        }
    }

    @Test
    void withNoSessionExpiryTheSessionEndsWithTheRequestAsInTheReference() throws Exception {
        try (Gateway g = gateway("", "-1")) {
            assertThat(poll(g, "short-app").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> g.sessions().size() == 0);
        }
    }

    @Test
    void atTheCapTheLeastRecentlyUsedIdleSessionMakesRoomAndOnly503WhenAllAreInUse() throws Exception {
        try (Gateway g = gateway("maxConsumerSessions: 3", "60");
             SseClient busy = new SseClient(base(g) + "/demo", Map.of("X-Gravitee-Client-Identifier", "busy"))) {
            assertThat(busy.awaitStatus()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> readers(g, "busy") == 1);
            assertThat(pollUntilIdle(g, "first").statusCode()).isEqualTo(200);
            assertThat(pollUntilIdle(g, "second").statusCode()).isEqualTo(200);
            assertThat(pollUntilIdle(g, "first").statusCode()).isEqualTo(200); // "second" is now the least recently used
            assertThat(identities(g)).containsExactlyInAnyOrder("busy", "first", "second");
            // the pool is full: a new consumer evicts "second", never the streaming one
            assertThat(pollUntilIdle(g, "third").statusCode()).isEqualTo(200);
            assertThat(identities(g)).containsExactlyInAnyOrder("busy", "first", "third");
        }
        try (Gateway g = gateway("maxConsumerSessions: 1", "60")) {
            SseClient busy = new SseClient(base(g) + "/demo", Map.of("X-Gravitee-Client-Identifier", "busy"));
            try {
                assertThat(busy.awaitStatus()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(5)).until(() -> readers(g, "busy") == 1);
                HttpResponse<String> refused = poll(g, "other");
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(new JsonObject(refused.body()).getString("key")).isEqualTo("TOO_MANY_CONSUMER_SESSIONS");
            } finally {
                busy.close();
            }
            // the stream is gone: its session is idle, so the next consumer gets its slot
            await().atMost(Duration.ofSeconds(5)).until(() -> readers(g, "busy") == 0);
            assertThat(poll(g, "other").statusCode()).isEqualTo(200);
            assertThat(identities(g)).containsExactly("other");
        }
    }

    /** Polls, then waits until the poll's reader has left its session (detaching runs on the session's loop). */
    static HttpResponse<String> pollUntilIdle(Gateway g, String who) throws Exception {
        HttpResponse<String> r = poll(g, who);
        await().atMost(Duration.ofSeconds(5)).until(() -> readers(g, who) == 0);
        return r;
    }

    static int readers(Gateway g, String who) {
        return g.sessions().list().stream().filter(s -> s.key().identity().equals(who))
            .mapToInt(ConsumerSession::readerCount).sum();
    }

    static List<String> identities(Gateway g) {
        return g.sessions().list().stream().map(s -> s.key().identity()).toList();
    }

    @Test
    void aBodyOverTheLimitIs413AndUnknownRoutesAre404() throws Exception {
        try (Gateway g = gateway("", "60")) {
            HttpResponse<String> big = post(base(g) + "/demo", "x".repeat(2048));
            assertThat(big.statusCode()).isEqualTo(413);
            assertThat(new JsonObject(big.body()).getString("key")).isEqualTo("REQUEST_ENTITY_TOO_LARGE");
            HttpResponse<String> nowhere = post(base(g) + "/nowhere", "x");
            assertThat(nowhere.statusCode()).isEqualTo(404);
            assertThat(new JsonObject(nowhere.body()).getString("key")).isEqualTo("NO_ENTRYPOINT");
            HttpResponse<String> put = GatewayFixture.send(HttpRequest.newBuilder(URI.create(base(g) + "/demo"))
                .PUT(HttpRequest.BodyPublishers.ofString("x")).build());
            assertThat(put.statusCode()).isEqualTo(404);
            HttpResponse<String> badLimit = GatewayFixture.get(base(g) + "/demo?limit=0", "application/json");
            assertThat(badLimit.statusCode()).isEqualTo(400);
            assertThat(new JsonObject(badLimit.body()).getString("key")).isEqualTo("INVALID_REQUEST");
        }
    }
}
