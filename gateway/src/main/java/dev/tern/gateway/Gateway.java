package dev.tern.gateway;

import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.config.GatewayConfig;
import dev.tern.gateway.config.Mqtt5EndpointConfig;
import dev.tern.gateway.http.ApiRuntime;
import dev.tern.gateway.http.HttpGetEntrypoint;
import dev.tern.gateway.http.HttpPostEntrypoint;
import dev.tern.gateway.http.Lifecycle;
import dev.tern.gateway.http.RequestScope;
import dev.tern.gateway.http.Responses;
import dev.tern.gateway.http.SseEntrypoint;
import dev.tern.gateway.http.WebSocketEntrypoint;
import dev.tern.gateway.mqtt.ConsumerSessions;
import dev.tern.gateway.webhook.WebhookService;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP ⇄ MQTT 5 gateway: one HTTP listener serving every API's entrypoints (http-post,
 * http-get, sse, websocket) under its context path, the webhook subscriptions REST API under
 * {@code managementPath}, and the webhook dispatchers in the background.
 *
 * <pre>{@code
 * Gateway g = Gateway.builder().config(GatewayConfigParser.load(path)).build().start();
 * ... g.port() ...
 * g.close();
 * }</pre>
 *
 * This class is the wiring: every part is built here with explicit constructors.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final Clock clock;
    private final boolean ownVertx;
    private final Vertx vertx;
    private final Lifecycle lifecycle = new Lifecycle();
    private final List<ApiRuntime> apis = new ArrayList<>();
    private final ConsumerSessions sessions;
    private final HttpPostEntrypoint post;
    private final HttpGetEntrypoint get;
    private final SseEntrypoint sse;
    private final WebSocketEntrypoint webSocket;
    private final WebhookService webhooks;
    private HttpServer server;

    private Gateway(Builder b) {
        this.clock = b.clock;
        // every store is loaded before anything starts, so a refused start leaves no threads behind
        List<ApiDefinition> resolved = new ArrayList<>();
        for (ApiDefinition api : b.config.apis()) {
            Mqtt5EndpointConfig e = api.endpoint();
            if (e.usesEmbeddedBroker()) {
                if (b.brokerHost == null) {
                    throw new IllegalStateException("API " + api.id() + " names no serverHost/serverPort and no embedded broker runs");
                }
                api = api.withEndpoint(e.withServer(b.brokerHost, b.brokerPort));
            }
            if (e.shared().security().ssl() != null) {
                try {
                    dev.tern.gateway.mqtt.EndpointConnection.checkSsl(e.shared().security().ssl());
                } catch (GatewayException ex) {
                    throw new IllegalStateException("API " + api.id() + ": " + ex.getMessage(), ex);
                }
            }
            resolved.add(api);
        }
        this.config = b.config.withApis(resolved);
        this.ownVertx = b.vertx == null;
        this.vertx = b.vertx != null ? b.vertx : Vertx.vertx(new VertxOptions()
            .setEventLoopPoolSize(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())))
            .setWorkerPoolSize(4));
        for (ApiDefinition api : config.apis()) {
            apis.add(new ApiRuntime(vertx, api, clock));
        }
        // longest context path first, so /a/b wins over /a
        apis.sort(Comparator.comparingInt((ApiRuntime a) -> a.api().contextPath().length()).reversed());
        this.sessions = new ConsumerSessions(vertx, config.maxConsumerSessions(), config.consumerBufferSize(), clock);
        this.post = new HttpPostEntrypoint(config.maxRequestBodySize());
        this.get = new HttpGetEntrypoint(vertx, sessions);
        this.sse = new SseEntrypoint(vertx, sessions, lifecycle);
        this.webSocket = new WebSocketEntrypoint(sessions, lifecycle);
        this.webhooks = new WebhookService(vertx, config, apis, clock);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Loads the webhook subscriptions, starts their dispatchers, binds the HTTP listener. */
    public synchronized Gateway start() {
        if (server != null) {
            throw new IllegalStateException("gateway already started");
        }
        try {
            webhooks.start();
            server = vertx.createHttpServer(new HttpServerOptions()
                    .setHost(config.host()).setPort(config.port())
                    .setMaxWebSocketMessageSize((int) Math.min(Integer.MAX_VALUE, config.maxRequestBodySize()))
                    .setMaxWebSocketFrameSize((int) Math.min(Integer.MAX_VALUE, config.maxRequestBodySize())))
                .requestHandler(this::handle);
            server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("the gateway cannot listen on " + config.host() + ":" + config.port() + ": "
                + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        for (ApiRuntime a : apis) {
            if (a.publisher() != null) {
                a.publisher().warmUp();
            }
            LOG.info("Gateway API {} at {} -> mqtt5 {}:{}", a.api().id(), a.api().contextPath(), a.api().endpoint().serverHost(),
                a.api().endpoint().serverPort());
        }
        return this;
    }

    public int port() {
        return server.actualPort();
    }

    public GatewayConfig config() {
        return config;
    }

    /** The pooled consumer sessions (for tests and status). */
    public ConsumerSessions sessions() {
        return sessions;
    }

    public WebhookService webhooks() {
        return webhooks;
    }

    private void handle(HttpServerRequest req) {
        if (lifecycle.stopping()) {
            req.response().putHeader("Connection", "close");
            Responses.fail(req.response(), new GatewayException(GatewayFailure.GATEWAY_STOPPING, null));
            return;
        }
        String path = req.path();
        if (path.equals(config.managementPath()) || path.startsWith(config.managementPath() + "/")) {
            webhooks.handle(req, path.substring(config.managementPath().length()));
            return;
        }
        ApiRuntime api = match(path);
        if (api == null) {
            Responses.fail(req.response(), new GatewayException(GatewayFailure.NO_ENTRYPOINT, "No context-path matches the request URI " + path));
            return;
        }
        req.pause();
        api.guard().authenticate(req).onComplete(ar -> {
            if (ar.failed()) {
                resume(req);
                Responses.fail(req.response(), ar.cause());
                return;
            }
            RequestScope scope = new RequestScope(api, ar.result(), api.attributes(req), req);
            try {
                dispatch(scope);
            } catch (RuntimeException e) {
                Responses.fail(req.response(), e);
            }
        });
    }

    /** Resumes a request paused for authentication; one already fully read (HTTP/2, no body) needs nothing. */
    private static void resume(HttpServerRequest req) {
        if (!req.isEnded()) {
            req.resume();
        }
    }

    private ApiRuntime match(String path) {
        for (ApiRuntime a : apis) {
            String cp = a.api().contextPath();
            if (path.equals(cp) || path.startsWith(cp + "/")) {
                return a;
            }
        }
        return null;
    }

    private void dispatch(RequestScope scope) {
        HttpServerRequest req = scope.request();
        ApiDefinition api = scope.api().api();
        if (req.method() == HttpMethod.GET) {
            String upgrade = req.getHeader("Upgrade");
            String accept = req.getHeader("Accept");
            if (upgrade != null && upgrade.equalsIgnoreCase("websocket") && api.webSocket() != null) {
                webSocket.handle(scope, api.webSocket());
                return;
            }
            if (accept != null && accept.contains("text/event-stream") && api.sse() != null) {
                sse.handle(scope, api.sse());
                resume(req);
                return;
            }
            if (api.httpGet() != null) {
                get.handle(scope, api.httpGet());
                resume(req);
                return;
            }
        } else if (req.method() == HttpMethod.POST && api.httpPost() != null) {
            post.handle(scope, api.httpPost());
            resume(req);
            return;
        }
        resume(req);
        Responses.fail(req.response(), new GatewayException(GatewayFailure.NO_ENTRYPOINT,
            "API " + api.id() + " has no entrypoint for " + req.method() + (req.getHeader("Upgrade") != null ? " with Upgrade" : "")));
    }

    /**
     * Stops: new requests get 503 with Connection: close, WebSockets close with 1013, SSE streams
     * end; then consumer sessions, publishers and webhook dispatchers disconnect (broker sessions
     * are kept, so webhook subscriptions resume where they were).
     */
    @Override
    public synchronized void close() {
        lifecycle.stop();
        webhooks.stop();
        sessions.closeAll();
        for (ApiRuntime a : apis) {
            if (a.publisher() != null) {
                a.publisher().close();
            }
        }
        try {
            if (server != null) {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.debug("closing the HTTP server: {}", e.toString());
        }
        if (ownVertx) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("closing Vert.x: {}", e.toString());
            }
        }
    }

    public static final class Builder {
        private GatewayConfig config;
        private Vertx vertx;
        private Clock clock = Clock.systemUTC();
        private String brokerHost;
        private int brokerPort;

        private Builder() {
        }

        public Builder config(GatewayConfig v) { config = Objects.requireNonNull(v); return this; }

        /** Runs on this Vert.x instance (not closed by {@link #close()}); default: its own. */
        public Builder vertx(Vertx v) { vertx = v; return this; }

        public Builder clock(Clock v) { clock = Objects.requireNonNull(v); return this; }

        /** The broker an endpoint without serverHost/serverPort uses (the one {@code tern broker} embeds). */
        public Builder embeddedBroker(String host, int port) {
            brokerHost = host;
            brokerPort = port;
            return this;
        }

        public Gateway build() {
            if (config == null) {
                throw new IllegalStateException("config is required");
            }
            return new Gateway(this);
        }
    }
}
