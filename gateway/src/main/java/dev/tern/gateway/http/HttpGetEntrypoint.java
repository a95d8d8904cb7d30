package dev.tern.gateway.http;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.config.EntrypointOptions;
import dev.tern.gateway.mqtt.ConsumerSession;
import dev.tern.gateway.mqtt.ConsumerSessions;
import dev.tern.gateway.mqtt.GatewayMessage;
import dev.tern.gateway.mqtt.Reader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code http-get}: one poll takes up to {@code min(limit, messagesLimitCount)} messages from the
 * consumer's pooled session and answers when it has them or when {@code messagesLimitDurationMs}
 * has passed. {@code cursor} (the previous page's nextCursor) first replays what was delivered
 * after it, so a page lost on the way can be fetched again.
 */
public final class HttpGetEntrypoint {
    private final Vertx vertx;
    private final ConsumerSessions sessions;

    public HttpGetEntrypoint(Vertx vertx, ConsumerSessions sessions) {
        this.vertx = vertx;
        this.sessions = sessions;
    }

    public void handle(RequestScope scope, EntrypointOptions.HttpGet options) {
        HttpServerRequest req = scope.request();
        AcceptNegotiation.Format format = AcceptNegotiation.choose(req.getHeader("Accept"));
        if (format == null) {
            Responses.fail(req.response(), new GatewayException(GatewayFailure.UNSUPPORTED_ACCEPT_HEADER,
                "Unsupported accept header: " + req.getHeader("Accept") + " (use application/json, application/xml or text/plain)"));
            return;
        }
        String limitParam = req.getParam("limit");
        int limit = options.messagesLimitCount();
        if (limitParam != null) {
            try {
                int l = Integer.parseInt(limitParam);
                if (l < 1) {
                    throw new NumberFormatException();
                }
                limit = Math.min(l, limit);
            } catch (NumberFormatException e) {
                Responses.fail(req.response(), new GatewayException(GatewayFailure.INVALID_REQUEST,
                    "limit = " + limitParam + " is not allowed: use a whole number of 1 or more"));
                return;
            }
        }
        String cursor = req.getParam("cursor");
        String filter;
        try {
            filter = scope.api().topics().consumerFilter(scope.attributes().get(ApiDefinition.TOPIC_ATTRIBUTE));
        } catch (GatewayException e) {
            Responses.fail(req.response(), e);
            return;
        }
        int max = limit;
        sessions.acquire(scope.api().api(), scope.caller().identity(), filter).onComplete(ar -> {
            if (ar.failed()) {
                Responses.fail(req.response(), ar.cause());
                return;
            }
            new Poll(ar.result(), req, format, max, limitParam, cursor, options).start(options.messagesLimitDurationMs());
        });
    }

    private final class Poll implements Reader {
        private final ConsumerSession session;
        private final HttpServerRequest req;
        private final AcceptNegotiation.Format format;
        private final String limitParam;
        private final String cursor;
        private final EntrypointOptions.HttpGet options;
        private final List<GatewayMessage> items = new ArrayList<>();
        private int remaining;
        private boolean done;
        private long timer = -1;

        Poll(ConsumerSession session, HttpServerRequest req, AcceptNegotiation.Format format, int limit, String limitParam,
             String cursor, EntrypointOptions.HttpGet options) {
            this.session = session;
            this.req = req;
            this.format = format;
            this.remaining = limit;
            this.limitParam = limitParam;
            this.cursor = cursor;
            this.options = options;
        }

        void start(long windowMs) {
            req.response().closeHandler(v -> session.context().runOnContext(x -> finish(null)));
            session.attach(this, cursor);
            timer = vertx.setTimer(Math.max(1, windowMs), id -> {
                timer = -1;
                session.context().runOnContext(x -> finish(null));
            });
        }

        @Override
        public boolean ready() {
            return !done && remaining > 0;
        }

        @Override
        public void deliver(GatewayMessage message) {
            items.add(message);
            if (--remaining == 0) {
                finish(null);
            }
        }

        @Override
        public void failed(GatewayException failure) {
            finish(failure);
        }

        private void finish(GatewayException error) {
            if (done) {
                return;
            }
            done = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            session.detach(this);
            if (req.response().ended() || req.response().closed()) {
                return;
            }
            if (error != null && items.isEmpty()) {
                Responses.fail(req.response(), error);
                return;
            }
            String next = items.isEmpty() ? cursor : items.get(items.size() - 1).id();
            PollFormats.Page page = new PollFormats.Page(items, error, next, limitParam,
                options.headersInPayload(), options.metadataInPayload());
            req.response().putHeader("Content-Type", PollFormats.contentType(format))
                .end(PollFormats.render(format, page));
        }
    }
}
