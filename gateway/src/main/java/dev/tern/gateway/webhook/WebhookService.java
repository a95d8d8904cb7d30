package dev.tern.gateway.webhook;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.config.GatewayConfig;
import dev.tern.gateway.config.GatewayConfigException;
import dev.tern.gateway.config.SubscriptionRequest;
import dev.tern.gateway.http.ApiRuntime;
import dev.tern.gateway.http.PlanGuard;
import dev.tern.gateway.http.Responses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Webhook subscriptions: the REST API under {@code managementPath}, their store, and one
 * {@link WebhookDispatcher} per subscription.
 *
 * <pre>
 * POST   {managementPath}/apis/{apiId}/subscriptions        {"callbackUrl", "headers", "topic", "secret"} -> 201
 * GET    {managementPath}/apis/{apiId}/subscriptions        the caller's subscriptions
 * GET    {managementPath}/apis/{apiId}/subscriptions/{id}   one, with its delivery status
 * DELETE {managementPath}/apis/{apiId}/subscriptions/{id}   204
 * </pre>
 *
 * Calls go through the API's plans: the caller's consumer identity owns the subscription, and only
 * it can see or delete it.
 */
public final class WebhookService {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookService.class);
    private static final long MAX_BODY = 64 * 1024;

    private final Vertx vertx;
    private final GatewayConfig config;
    private final Map<String, ApiRuntime> apis = new ConcurrentHashMap<>();
    private final SubscriptionStore store;
    private final Clock clock;
    private final Map<String, WebhookDispatcher> dispatchers = new ConcurrentHashMap<>();
    private final Map<String, WebhookSubscription> subscriptions = new ConcurrentHashMap<>();
    private WebClient http;

    public WebhookService(Vertx vertx, GatewayConfig config, List<ApiRuntime> apis, Clock clock) {
        this.vertx = vertx;
        this.config = config;
        this.clock = clock;
        apis.forEach(a -> this.apis.put(a.api().id(), a));
        this.store = new SubscriptionStore(config.dataDir());
    }

    /** Loads stored subscriptions and starts a dispatcher for each whose API still offers webhooks. */
    public void start() {
        List<WebhookSubscription> loaded = store.load();
        long maxIdle = 0;
        for (ApiRuntime a : apis.values()) {
            if (a.api().webhook() != null) {
                maxIdle = Math.max(maxIdle, a.api().webhook().idleTimeoutMs());
            }
        }
        http = WebClient.create(vertx, new WebClientOptions()
            .setKeepAliveTimeout((int) Math.max(1, (maxIdle + 999) / 1000))
            .setFollowRedirects(false)
            .setUserAgent("tern-gateway"));
        for (WebhookSubscription s : loaded) {
            subscriptions.put(s.id(), s);
            ApiRuntime api = apis.get(s.apiId());
            if (api == null || api.api().webhook() == null) {
                LOG.warn("webhook subscription {} belongs to API {}, which is gone or has no webhook entrypoint: kept, not run",
                    s.id(), s.apiId());
                continue;
            }
            run(api.api(), s);
        }
        if (!loaded.isEmpty()) {
            LOG.info("{} webhook subscription(s) loaded from {}", loaded.size(), store.file());
        }
    }

    private void run(ApiDefinition api, WebhookSubscription s) {
        WebhookDispatcher d = new WebhookDispatcher(vertx, http, api, s, config.consumerBufferSize());
        dispatchers.put(s.id(), d);
        d.start();
    }

    /** Stops every dispatcher, keeping the broker sessions so delivery resumes after a restart. */
    public void stop() {
        dispatchers.values().forEach(d -> d.stop(false));
        dispatchers.clear();
    }

    public List<WebhookSubscription> subscriptions() {
        return new ArrayList<>(subscriptions.values());
    }

    /** Routes a request under managementPath; {@code rest} is the path after it. */
    public void handle(HttpServerRequest req, String rest) {
        String[] parts = rest.split("/");
        // "", "apis", "{apiId}", "subscriptions", ["{id}"]
        if (parts.length < 4 || parts.length > 5 || !parts[1].equals("apis") || !parts[3].equals("subscriptions")) {
            Responses.fail(req.response(), new GatewayException(GatewayFailure.NO_ENTRYPOINT,
                "the gateway's REST API has /apis/{apiId}/subscriptions[/{id}]"));
            return;
        }
        ApiRuntime api = apis.get(parts[2]);
        if (api == null || api.api().webhook() == null) {
            Responses.fail(req.response(), new GatewayException(GatewayFailure.NO_ENTRYPOINT,
                "API " + parts[2] + (api == null ? " does not exist" : " has no webhook entrypoint")));
            return;
        }
        String id = parts.length == 5 ? parts[4] : null;
        req.pause();
        api.guard().authenticate(req).onComplete(ar -> {
            if (!req.isEnded()) {
                req.resume();
            }
            if (ar.failed()) {
                Responses.fail(req.response(), ar.cause());
                return;
            }
            PlanGuard.Caller caller = ar.result();
            HttpMethod m = req.method();
            if (id == null && m == HttpMethod.POST) {
                create(req, api, caller);
            } else if (id == null && m == HttpMethod.GET) {
                JsonArray list = new JsonArray();
                subscriptions.values().stream()
                    .filter(s -> s.apiId().equals(api.api().id()) && s.consumer().equals(caller.identity()))
                    .forEach(s -> list.add(json(s)));
                req.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("data", list).encode());
            } else if (id != null && (m == HttpMethod.GET || m == HttpMethod.DELETE)) {
                WebhookSubscription s = subscriptions.get(id);
                if (s == null || !s.apiId().equals(api.api().id()) || !s.consumer().equals(caller.identity())) {
                    Responses.fail(req.response(), new GatewayException(GatewayFailure.SUBSCRIPTION_NOT_FOUND, "no subscription " + id));
                } else if (m == HttpMethod.GET) {
                    req.response().putHeader("Content-Type", "application/json").end(json(s).encode());
                } else {
                    delete(req, s);
                }
            } else {
                req.response().setStatusCode(405).putHeader("Allow", id == null ? "GET, POST" : "GET, DELETE").end();
            }
        });
    }

    private void create(HttpServerRequest req, ApiRuntime api, PlanGuard.Caller caller) {
        Buffer body = Buffer.buffer();
        req.handler(b -> {
            if (body.length() + b.length() <= MAX_BODY) {
                body.appendBuffer(b);
            }
        });
        req.endHandler(v -> {
            SubscriptionRequest r;
            String filter;
            try {
                r = SubscriptionRequest.parse(body.toString());
                filter = api.topics().consumerFilter(r.topic());
            } catch (GatewayConfigException e) {
                Responses.fail(req.response(), new GatewayException(GatewayFailure.INVALID_REQUEST, e.getMessage()));
                return;
            } catch (GatewayException e) {
                Responses.fail(req.response(), e);
                return;
            }
            WebhookSubscription s = new WebhookSubscription(UUID.randomUUID().toString(), api.api().id(), caller.identity(),
                r.callbackUrl(), r.headers(), filter, r.secret(), clock.millis());
            subscriptions.put(s.id(), s);
            persist().onComplete(ar -> {
                if (ar.failed()) {
                    subscriptions.remove(s.id());
                    Responses.fail(req.response(), new GatewayException(GatewayFailure.FAILURE_ENDPOINT_UNKNOWN_ERROR,
                        ar.cause().getMessage(), ar.cause()));
                    return;
                }
                run(api.api(), s);
                req.response().setStatusCode(201).putHeader("Content-Type", "application/json")
                    .putHeader("Location", config.managementPath() + "/apis/" + api.api().id() + "/subscriptions/" + s.id())
                    .end(json(s).encode());
            });
        });
    }

    private void delete(HttpServerRequest req, WebhookSubscription s) {
        subscriptions.remove(s.id());
        WebhookDispatcher d = dispatchers.remove(s.id());
        if (d != null) {
            d.stop(true);
        }
        persist().onComplete(ar -> {
            if (ar.failed()) {
                Responses.fail(req.response(), ar.cause());
            } else {
                req.response().setStatusCode(204).end();
            }
        });
    }

    private io.vertx.core.Future<Void> persist() {
        List<WebhookSubscription> snapshot = new ArrayList<>(subscriptions.values());
        snapshot.sort((a, b) -> Long.compare(a.createdAt(), b.createdAt()));
        return vertx.executeBlocking(() -> {
            store.save(snapshot);
            return null;
        }, true);
    }

    private JsonObject json(WebhookSubscription s) {
        JsonArray headers = new JsonArray();
        s.headers().forEach(h -> headers.add(new JsonObject().put("name", h.name()).put("value", h.value())));
        JsonObject o = new JsonObject().put("id", s.id()).put("api", s.apiId()).put("consumer", s.consumer())
            .put("callbackUrl", s.callbackUrl()).put("headers", headers).put("topic", s.filter())
            .put("signed", s.secret() != null).put("createdAt", s.createdAt());
        WebhookDispatcher d = dispatchers.get(s.id());
        o.put("status", d == null ? new JsonObject().put("state", "NOT_RUNNING") : d.status());
        return o;
    }
}
