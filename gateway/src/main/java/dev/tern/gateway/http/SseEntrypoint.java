package dev.tern.gateway.http;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.config.EntrypointOptions;
import dev.tern.gateway.mqtt.ConsumerSession;
import dev.tern.gateway.mqtt.ConsumerSessions;
import dev.tern.gateway.mqtt.GatewayMessage;
import dev.tern.gateway.mqtt.Reader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.UUID;

/**
 * {@code sse}: streams the consumer's messages as server-sent events. Fixes the reference's gaps
 * (gap 10): a payload with line breaks becomes several {@code data:} lines, the {@code retry:}
 * value is configured rather than random, heartbeats are merged with messages (a comment is sent
 * only when nothing else was for a heartbeat interval), and {@code Last-Event-ID} resumes: the
 * messages delivered after that id are sent again first.
 */
public final class SseEntrypoint {
    private final Vertx vertx;
    private final ConsumerSessions sessions;
    private final Lifecycle lifecycle;

    public SseEntrypoint(Vertx vertx, ConsumerSessions sessions, Lifecycle lifecycle) {
        this.vertx = vertx;
        this.sessions = sessions;
        this.lifecycle = lifecycle;
    }

    public void handle(RequestScope scope, EntrypointOptions.Sse options) {
        HttpServerRequest req = scope.request();
        String filter;
        try {
            filter = scope.api().topics().consumerFilter(scope.attributes().get(ApiDefinition.TOPIC_ATTRIBUTE));
        } catch (GatewayException e) {
            Responses.fail(req.response(), e);
            return;
        }
        String lastEventId = req.getHeader("Last-Event-ID");
        if (lastEventId == null) {
            lastEventId = req.getParam("lastEventId");
        }
        String resumeFrom = lastEventId;
        sessions.acquire(scope.api().api(), scope.caller().identity(), filter).onComplete(ar -> {
            if (ar.failed()) {
                Responses.fail(req.response(), ar.cause());
                return;
            }
            new Stream(ar.result(), req.response(), options).start(resumeFrom);
        });
    }

    /** Frames one event: multi-line payloads become one data: line per line (CRLF, LF or CR). */
    static String event(GatewayMessage m, EntrypointOptions.Sse options) {
        StringBuilder b = new StringBuilder();
        b.append("id: ").append(m.id()).append('\n').append("event: message\n");
        if (options.metadataAsComment()) {
            m.metadata().forEach((k, v) -> b.append(':').append(k).append(": ").append(oneLine(v)).append('\n'));
        }
        if (options.headersAsComment()) {
            m.headers().forEach((k, v) -> b.append(':').append(k).append(": ").append(oneLine(String.join(",", v))).append('\n'));
        }
        for (String line : m.contentAsString().split("\r\n|\r|\n", -1)) {
            b.append("data: ").append(line).append('\n');
        }
        return b.append('\n').toString();
    }

    private static String oneLine(String s) {
        return s.replace('\r', ' ').replace('\n', ' ');
    }

    private final class Stream implements Reader {
        private final ConsumerSession session;
        private final HttpServerResponse resp;
        private final EntrypointOptions.Sse options;
        private final Runnable onStop = this::stop;
        private long heartbeat = -1;
        private long lastWrite;
        private boolean done;

        Stream(ConsumerSession session, HttpServerResponse resp, EntrypointOptions.Sse options) {
            this.session = session;
            this.resp = resp;
            this.options = options;
        }

        void start(String lastEventId) {
            resp.setChunked(true)
                .putHeader("Content-Type", "text/event-stream;charset=UTF-8")
                .putHeader("Connection", "keep-alive")
                .putHeader("Cache-Control", "no-cache");
            resp.write("retry: " + options.retryInMs() + "\n\n");
            lastWrite = System.nanoTime();
            resp.closeHandler(v -> session.context().runOnContext(x -> end(null)));
            resp.drainHandler(v -> session.dispatch());
            lifecycle.register(onStop);
            long interval = options.heartbeatIntervalInMs();
            // checked four times per interval, so a comment goes out at most 1.25 intervals after the last write
            long check = Math.max(100, interval / 4);
            heartbeat = vertx.setPeriodic(check, check, id -> session.context().runOnContext(x -> {
                if (!done && System.nanoTime() - lastWrite >= interval * 1_000_000L) {
                    write(":\n\n");
                }
            }));
            session.attach(this, lastEventId);
        }

        private void write(String s) {
            lastWrite = System.nanoTime();
            resp.write(s);
        }

        @Override
        public boolean ready() {
            return !done && !resp.writeQueueFull();
        }

        @Override
        public void deliver(GatewayMessage message) {
            write(event(message, options));
        }

        @Override
        public void failed(GatewayException failure) {
            end(failure);
        }

        private void stop() {
            session.context().runOnContext(x -> end(null));
        }

        private void end(GatewayException error) {
            if (done) {
                return;
            }
            done = true;
            lifecycle.unregister(onStop);
            if (heartbeat >= 0) {
                vertx.cancelTimer(heartbeat);
            }
            session.detach(this);
            if (resp.ended() || resp.closed()) {
                return;
            }
            if (error != null) {
                resp.write("id: " + UUID.randomUUID() + "\nevent: error\ndata: " + Responses.body(error).encode() + "\n\n");
            }
            resp.end();
        }
    }
}
