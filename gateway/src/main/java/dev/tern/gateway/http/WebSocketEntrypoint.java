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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code websocket}: as a publisher each inbound message (text or binary) is published, with the
 * upgrade request's attributes; with {@code publisher.envelope} a text message is a
 * {@link WebSocketEnvelope} carrying its own attributes (topic override per message) and headers.
 * As a subscriber each consumed message is written as a frame (text when the payload is UTF-8, else
 * binary). Close codes: 1000 when the flow completes, 1008 for a message the gateway refuses (bad
 * envelope, forbidden or invalid topic), 1011 on another error (reason = its key and message), 1013
 * when the gateway stops.
 */
public final class WebSocketEntrypoint {
    static final short NORMAL = 1000;
    static final short POLICY_VIOLATION = 1008;
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
                    if (ar.result() != null) {
                        ar.result().release(); // no reader will attach: the pool may reuse or evict the session
                    }
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
                ws.binaryMessageHandler(b -> publish(message(b.getBytes(), new LinkedHashMap<>(), Map.of(), null)));
                ws.textMessageHandler(this::onText);
            } else {
                ws.handler(b -> { });
            }
            if (session != null) {
                ws.drainHandler(v -> session.dispatch());
                session.attach(this, null);
            }
        }

        private void onText(String text) {
            if (!options.envelope()) {
                publish(message(text.getBytes(StandardCharsets.UTF_8), new LinkedHashMap<>(), Map.of(), null));
                return;
            }
            OutgoingMessage m;
            try {
                m = WebSocketEnvelope.parse(text);
            } catch (GatewayException e) {
                closeFor(e);
                return;
            }
            publish(message(m.payload(), new LinkedHashMap<>(m.headers()), m.attributes(), m.contentType()));
        }

        /** The message as published: with no-local, marked with this socket's origin (gap 2). */
        private OutgoingMessage message(byte[] payload, Map<String, List<String>> headers, Map<String, String> attributes,
                                        String contentType) {
            if (options.noLocal()) {
                headers.put(GatewayMessage.ORIGIN_HEADER, List.of(origin));
            }
            return new OutgoingMessage(payload, headers, attributes, contentType);
        }

        /** Publishes with the message's own attributes winning over the upgrade request's (reference §1.5). */
        private void publish(OutgoingMessage m) {
            if (++inFlight >= MAX_IN_FLIGHT) {
                ws.pause();
            }
            scope.api().publisher().publish(m, scope.attributes()).whenComplete((ok, err) -> context.runOnContext(v -> {
                if (--inFlight < MAX_IN_FLIGHT / 2) {
                    ws.resume();
                }
                if (err != null) {
                    closeFor(GatewayException.of(err));
                }
            }));
        }

        /** A refused message (a 4xx failure: bad envelope, topic forbidden or invalid) is 1008, anything else 1011. */
        private void closeFor(GatewayException g) {
            close(g.failure().status() < 500 ? POLICY_VIOLATION : SERVER_ERROR, g.failure().name() + ": " + g.getMessage());
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
