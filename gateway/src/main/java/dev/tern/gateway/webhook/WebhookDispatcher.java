package dev.tern.gateway.webhook;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.config.DeliveryQos;
import dev.tern.gateway.config.EntrypointOptions;
import dev.tern.gateway.mqtt.EndpointConnection;
import dev.tern.gateway.mqtt.Topics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one webhook subscription in the background: an MQTT client with a stable client id and a
 * persistent session, subscribed to {@code $share/{subscription id}/{filter}} with manual
 * acknowledgement. Each message is POSTed to the callback; under AT_LEAST_ONCE the PUBACK goes to
 * the broker only after a 2xx (gap 5), failures are retried with back-off and, when the attempts
 * are used up, the message is published to the dead-letter topic and only then acknowledged
 * (gap 11). Since the PUBACK waits for the callback, a gateway crash or restart makes the broker
 * deliver the message again: at-least-once end to end.
 *
 * <p>Threading: all state on {@code ctx}; the HiveMQ callback hops there.
 */
final class WebhookDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);

    private record Delivery(Mqtt5Publish publish, int attempt) {
    }

    private record Queued(Mqtt5Publish publish, int connection) {
    }

    private final Vertx vertx;
    private final Context ctx;
    private final CallbackRequests requests;
    private final ApiDefinition api;
    private final EntrypointOptions.Webhook options;
    private final WebhookSubscription sub;
    /** Waiting messages, with the number of the client's connection each came on. */
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failedCalls = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong skippedProperties = new AtomicLong();
    private final int bufferSize;
    private volatile String lastError;
    private volatile String state = "STARTING";
    private EndpointConnection connection;
    private int inFlight;
    private int restarts;
    private boolean stopped;

    WebhookDispatcher(Vertx vertx, WebClient http, ApiDefinition api, WebhookSubscription sub, int bufferSize) {
        this.vertx = vertx;
        this.ctx = vertx.getOrCreateContext();
        this.requests = new CallbackRequests(http, api.webhook(), sub);
        this.api = api;
        this.options = api.webhook();
        this.sub = sub;
        this.bufferSize = bufferSize;
    }

    WebhookSubscription subscription() {
        return sub;
    }

    String clientId() {
        return EndpointConnection.stableClientId(api.endpoint().shared().clientIdPrefix(), "webhook:" + sub.id());
    }

    JsonObject status() {
        return new JsonObject().put("state", state).put("clientId", clientId()).put("delivered", delivered.get())
            .put("failedCalls", failedCalls.get()).put("deadLettered", deadLettered.get()).put("dropped", dropped.get())
            .put("skippedProperties", skippedProperties.get()).put("lastError", lastError);
    }

    void start() {
        ctx.runOnContext(v -> connect());
    }

    private void connect() {
        if (stopped) {
            return;
        }
        long expiry = Math.max(0, api.endpoint().shared().sessionExpiryInterval());
        EndpointConnection[] self = new EndpointConnection[1];
        EndpointConnection c = new EndpointConnection(api.endpoint(), clientId(),
            // Receive Maximum = the buffer: under AT_LEAST_ONCE every queued message is unacknowledged, so the
            // broker holds the rest; the other QoS acknowledge on receipt and drop the oldest beyond it
            new EndpointConnection.Options(false, expiry, bufferSize), new EndpointConnection.Events() {
                @Override
                public void connected(boolean sessionPresent, boolean reconnect) {
                    state = "RUNNING";
                    int current = self[0].connections();
                    ctx.runOnContext(v -> onConnected(self[0], sessionPresent, reconnect, current));
                }

                @Override
                public void reconnecting(int attempt, long delayMs, Throwable cause) {
                    state = "RECONNECTING";
                }

                @Override
                public void closed(GatewayException failure) {
                    ctx.runOnContext(v -> restartLater(failure));
                }
            });
        self[0] = c;
        connection = c;
        String filter = "$share/" + Topics.groupName(sub.id()) + "/" + sub.filter();
        MqttQos qos = MqttQos.fromCode(api.endpoint().shared().consumer().qos().code());
        // Registered before CONNECT: a resumed session's unacknowledged messages arrive right after the CONNACK,
        // before any SUBSCRIBE; with a per-subscription callback the client would acknowledge and drop them.
        c.client().publishes(MqttGlobalPublishFilter.ALL, p -> {
            int on = c.connections(); // read here, on the client's side: see EndpointConnection.connections()
            ctx.runOnContext(x -> onPublish(c, p, on));
        }, true);
        c.connect()
            .thenCompose(v -> c.client().subscribeWith().topicFilter(filter).qos(qos).send())
            .whenComplete((ack, err) -> ctx.runOnContext(x -> {
                if (err != null) {
                    restartLater(GatewayException.of(err));
                } else if (ack.getReasonCodes().get(0).isError()) {
                    restartLater(new GatewayException(GatewayFailure.FAILURE_ENDPOINT_UNKNOWN_ERROR,
                        "SUBACK " + ack.getReasonCodes().get(0) + " for " + filter));
                } else {
                    restarts = 0;
                    state = "RUNNING";
                    LOG.info("webhook subscription {} consumes {} as {} -> {}", sub.id(), filter, clientId(), sub.callbackUrl());
                }
            }));
    }

    /** A webhook subscription is a background job: it never gives up on the broker, it waits longer. */
    private void restartLater(GatewayException failure) {
        if (stopped) {
            return;
        }
        state = "WAITING_FOR_BROKER";
        lastError = failure.failure().name() + ": " + failure.getMessage();
        if (connection != null) {
            connection.disconnect(false);
        }
        long delay = api.endpoint().shared().reconnectBackoff().delayMs(++restarts);
        LOG.warn("webhook subscription {}: {}; retrying the broker in {} ms", sub.id(), failure.getMessage(), delay);
        queue.clear();
        vertx.setTimer(delay, id -> ctx.runOnContext(v -> connect()));
    }

    /**
     * A (re)connection of {@code from}. Under AT_LEAST_ONCE nothing queued was acknowledged; when the
     * session resumed, the broker sends those QoS 1 messages again [MQTT-4.4.0-1] and the HiveMQ client
     * hands them on as new ones, while an acknowledgement of a queued copy no longer reaches the broker:
     * those copies go (acknowledged to the client, which frees them), so the callback does not get each
     * twice. QoS 2 copies stay valid and are not handed on again.
     */
    private void onConnected(EndpointConnection from, boolean sessionPresent, boolean reconnect, int current) {
        if (from != connection) {
            return;
        }
        if (reconnect && sessionPresent && options.qos() == DeliveryQos.AT_LEAST_ONCE) {
            queue.removeIf(q -> {
                boolean stale = q.publish().getQos() == MqttQos.AT_LEAST_ONCE && q.connection() < current;
                if (stale) {
                    q.publish().acknowledge(); // frees it in the client; no PUBACK goes out for it
                }
                return stale;
            });
        }
    }

    private void onPublish(EndpointConnection from, Mqtt5Publish p, int on) {
        if (stopped || from != connection) {
            return;
        }
        DeliveryQos q = options.qos();
        if (q != DeliveryQos.AT_LEAST_ONCE) {
            p.acknowledge(); // AT_MOST_ONCE, AUTO and NONE acknowledge on receipt
        }
        if (queue.size() >= bufferSize && q != DeliveryQos.AT_LEAST_ONCE) {
            queue.poll();
            dropped.incrementAndGet();
        }
        queue.add(new Queued(p, on));
        pump();
    }

    private void pump() {
        while (!stopped && inFlight < options.effectiveConcurrency() && !queue.isEmpty()) {
            inFlight++;
            send(new Delivery(queue.poll().publish(), 1));
        }
    }

    /**
     * Makes one call. Nothing about one message may jam the subscription: a call that cannot even be
     * built or sent (a header Vert.x refuses, a broken URL in an edited store file) is a failed attempt
     * like a 5xx, so it is retried, dead-lettered or dropped, and its slot in {@code inFlight} is freed.
     */
    private void send(Delivery d) {
        if (stopped) {
            return;
        }
        Future<HttpResponse<Buffer>> call;
        try {
            byte[] body = d.publish().getPayloadAsBytes();
            call = requests.build(d.publish(), d.attempt(), body, this::skipped).sendBuffer(Buffer.buffer(body));
        } catch (RuntimeException e) {
            // on the next turn: a failure that repeats for every message must not recurse through pump()
            ctx.runOnContext(v -> failed(d, GatewayFailure.MESSAGE_PROCESSING_FAILED, "the call cannot be made: " + e));
            return;
        }
        call.onComplete(ar -> ctx.runOnContext(v -> {
            if (ar.succeeded() && ar.result().statusCode() / 100 == 2) {
                delivered.incrementAndGet();
                done(d.publish());
                return;
            }
            GatewayFailure key = ar.succeeded() && ar.result().statusCode() < 500 ? GatewayFailure.MESSAGE_PROCESSING_FAILED
                : GatewayFailure.WEBHOOK_UNREACHABLE;
            failed(d, key, ar.succeeded() ? "status " + ar.result().statusCode() : ar.cause().toString());
        }));
    }

    private void failed(Delivery d, GatewayFailure key, String detail) {
        failedCalls.incrementAndGet();
        lastError = key.name() + ": " + detail;
        retryOrDeadLetter(d);
    }

    private void skipped(String name) {
        if (skippedProperties.getAndIncrement() == 0) {
            LOG.warn("webhook subscription {}: user property {} is not sent as a header: it is not a valid HTTP header "
                + "name and value, or a header the gateway sets itself (further ones are only counted, in "
                + "status.skippedProperties)", sub.id(), printable(name, 64));
        }
    }

    /**
     * {@code s} cut to {@code max} characters, control characters and surrogates as '?': fit for a log line
     * or an MQTT user property (no U+0000, no half of a surrogate pair [MQTT-1.5.4-1], [MQTT-1.5.4-2]).
     */
    private static String printable(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? '?' : c);
        }
        return b.toString();
    }

    private void retryOrDeadLetter(Delivery d) {
        if (stopped) {
            return;
        }
        if (options.qos() == DeliveryQos.AT_MOST_ONCE) {
            dropped.incrementAndGet();
            finish();
            return;
        }
        EntrypointOptions.Retry retry = options.retry();
        if (d.attempt() < retry.maxAttempts()) {
            long delay = retry.delayMs(d.attempt());
            LOG.debug("webhook {}: attempt {} failed ({}); next in {} ms", sub.id(), d.attempt(), lastError, delay);
            vertx.setTimer(delay, id -> ctx.runOnContext(v -> send(new Delivery(d.publish(), d.attempt() + 1))));
            return;
        }
        if (options.deadLetterTopic() == null) {
            LOG.warn("webhook {}: message on {} failed {} attempts ({}); no deadLetter.topic: dropped", sub.id(),
                d.publish().getTopic(), d.attempt(), lastError);
            dropped.incrementAndGet();
            done(d.publish());
            return;
        }
        deadLetter(d);
    }

    private void deadLetter(Delivery d) {
        Mqtt5Publish p = d.publish();
        Mqtt5Publish letter;
        try {
            Mqtt5UserPropertiesBuilder props = Mqtt5UserProperties.builder();
            p.getUserProperties().asList().forEach(props::add);
            props.add("x-original-topic", p.getTopic().toString())
                .add("x-subscription", sub.id())
                .add("x-callback-url", sub.callbackUrl())
                .add("x-attempts", String.valueOf(d.attempt()))
                .add("x-error", printable(String.valueOf(lastError), 1024));
            var b = Mqtt5Publish.builder().topic(options.deadLetterTopic()).qos(MqttQos.AT_LEAST_ONCE)
                .payload(p.getPayloadAsBytes()).userProperties(props.build());
            p.getContentType().ifPresent(ct -> b.contentType(ct));
            letter = b.build();
        } catch (RuntimeException e) {
            // cannot happen with what a broker delivers, but retrying it would jam the subscription for good
            LOG.warn("webhook {}: message on {} failed {} attempts and cannot be dead-lettered ({}): dropped", sub.id(),
                p.getTopic(), d.attempt(), e.toString());
            dropped.incrementAndGet();
            done(p);
            return;
        }
        EndpointConnection c = connection;
        c.client().publish(letter).whenComplete((r, err) -> ctx.runOnContext(v -> {
            if (err != null || r.getError().isPresent()) {
                Throwable t = err != null ? err : r.getError().get();
                lastError = "dead-letter publish failed: " + t;
                LOG.warn("webhook {}: {}; retrying it", sub.id(), lastError);
                vertx.setTimer(options.retry().maxDelayMs(), id -> ctx.runOnContext(x -> {
                    if (!stopped) {
                        deadLetter(d);
                    }
                }));
                return;
            }
            deadLettered.incrementAndGet();
            LOG.info("webhook {}: message on {} sent to dead-letter topic {} after {} attempts", sub.id(), p.getTopic(),
                options.deadLetterTopic(), d.attempt());
            done(p);
        }));
    }

    private void done(Mqtt5Publish p) {
        if (options.qos() == DeliveryQos.AT_LEAST_ONCE) {
            p.acknowledge();
        }
        finish();
    }

    private void finish() {
        inFlight--;
        pump();
    }

    /** Stops; {@code discard}: the subscription was deleted, so the broker session goes too. */
    void stop(boolean discard) {
        ctx.runOnContext(v -> {
            stopped = true;
            state = "STOPPED";
            queue.clear();
            if (connection != null) {
                connection.disconnect(discard);
            }
        });
    }


}
