package dev.tern.gateway.http;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.config.EntrypointOptions;
import dev.tern.gateway.mqtt.ConsumerSession;
import dev.tern.gateway.mqtt.ConsumerSessions;
import dev.tern.gateway.mqtt.GatewayMessage;
import dev.tern.gateway.mqtt.OutgoingMessage;
import dev.tern.gateway.mqtt.Reader;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * {@code websocket}: as a publisher each inbound message (text or binary) is published; as a
 * subscriber each consumed message is written as a frame (text when the payload is UTF-8, else
 * binary). Close codes: 1000 when the flow completes, 1011 on an error (reason = its message),
 * 1013 when the gateway stops.
 */
public final class WebSocketEntrypoint {
    static final short NORMAL = 1000;
    static final short SERVER_ERROR = 1011;
    static final short TRY_AGAIN_LATER = 1013;
    private static final int MAX_IN_FLIGHT = 64;

    private final ConsumerSessions sessions;
    private final Lifecycle lifecycle;

    public WebSocketEntrypoint(ConsumerSessions sessions, Lifecycle lifecycle) {
        this.sessions = sessions;
        this.lifecycle = lifecycle;
    }

    public void handle(RequestScope scope, EntrypointOptions.WebSocket options) {
        HttpServerRequest req = scope.request();
        Future<ConsumerSession> session;
        if (options.subscriberEnabled()) {
            String filter;
            try {
                filter = scope.api().topics().consumerFilter(scope.attributes().get(ApiDefinition.TOPIC_ATTRIBUTE));
            } catch (GatewayException e) {
                Responses.fail(req.response(), e);
                return;
            }
            session = sessions.acquire(scope.api().api(), scope.caller().identity(), filter);
        } else {
            session = Future.succeededFuture(null);
        }
        session.onComplete(ar -> {
            if (ar.failed()) {
                Responses.fail(req.response(), ar.cause());
                return;
            }
            req.toWebSocket().onComplete(ws -> {
                if (ws.failed()) {
                    return; // Vert.x answered the failed handshake
                }
                new Socket(ws.result(), ar.result(), scope, options).start();
            });
        });
    }

    private final class Socket implements Reader {
        private final ServerWebSocket ws;
        private final ConsumerSession session;
        private final RequestScope scope;
        private final EntrypointOptions.WebSocket options;
        private final Runnable onStop = () -> close(TRY_AGAIN_LATER, "gateway stopping");
        private final String origin = java.util.UUID.randomUUID().toString();
        private int inFlight;
        private volatile boolean done;
        private Context context;

        Socket(ServerWebSocket ws, ConsumerSession session, RequestScope scope, EntrypointOptions.WebSocket options) {
            this.ws = ws;
            this.session = session;
            this.scope = scope;
            this.options = options;
        }

        void start() {
            context = Vertx.currentContext();
            lifecycle.register(onStop);
            ws.closeHandler(v -> {
                done = true;
                lifecycle.unregister(onStop);
                if (session != null) {
                    session.detach(this);
                }
            });
            if (options.publisherEnabled()) {
                ws.binaryMessageHandler(this::publish);
                ws.textMessageHandler(t -> publish(Buffer.buffer(t)));
            } else {
                ws.handler(b -> { });
            }
            if (session != null) {
                ws.drainHandler(v -> session.dispatch());
                session.attach(this, null);
            }
        }

        private void publish(Buffer payload) {
            if (++inFlight >= MAX_IN_FLIGHT) {
                ws.pause();
            }
            OutgoingMessage m = options.noLocal()
                ? new OutgoingMessage(payload.getBytes(), java.util.Map.of(GatewayMessage.ORIGIN_HEADER, java.util.List.of(origin)),
                    java.util.Map.of(), null)
                : OutgoingMessage.of(payload.getBytes());
            scope.api().publisher().publish(m, scope.attributes()).whenComplete((ok, err) -> context.runOnContext(v -> {
                if (--inFlight < MAX_IN_FLIGHT / 2) {
                    ws.resume();
                }
                if (err != null) {
                    GatewayException g = GatewayException.of(err);
                    close(SERVER_ERROR, g.failure().name() + ": " + g.getMessage());
                }
            }));
        }

        @Override
        public boolean ready() {
            return !done && !ws.writeQueueFull();
        }

        @Override
        public String origin() {
            return options.noLocal() ? origin : null;
        }

        @Override
        public void deliver(GatewayMessage message) {
            String text = utf8(message.content());
            if (text != null) {
                ws.writeTextMessage(text);
            } else {
                ws.writeBinaryMessage(Buffer.buffer(message.content()));
            }
        }

        @Override
        public void failed(GatewayException failure) {
            close(SERVER_ERROR, failure.failure().name() + ": " + failure.getMessage());
        }

        private void close(short code, String reason) {
            if (done) {
                return;
            }
            done = true;
            lifecycle.unregister(onStop);
            if (session != null) {
                session.detach(this);
            }
            // A close reason is at most 123 bytes (RFC 6455 §5.5: control frame payload ≤ 125).
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            String shortReason = r.length <= 123 ? reason : new String(r, 0, 120, StandardCharsets.UTF_8).replace("\uFFFD", "") + "...";
            ws.close(code, shortReason);
        }
    }

    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
