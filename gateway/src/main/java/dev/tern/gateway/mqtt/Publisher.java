package dev.tern.gateway.mqtt;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.MqttClientStateException;
import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.config.Mqtt5EndpointConfig.Producer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes for one API through one shared MQTT client (gap 9: not one connection per request).
 * Each message is one PUBLISH at {@code producer.qos} with RETAIN, Response Topic, Message Expiry,
 * Content Type, Correlation Data and headers as user properties; the returned future completes when
 * the broker acknowledged it (PUBACK / PUBCOMP; for QoS 0 when it was written).
 */
public final class Publisher {
    private static final long PUBLISH_TIMEOUT_S = 60;

    private final ApiDefinition api;
    private final TopicPolicy topics;
    private EndpointConnection connection;
    private CompletableFuture<EndpointConnection> connecting;

    public Publisher(ApiDefinition api) {
        this.api = api;
        this.topics = new TopicPolicy(api);
    }

    /** Connects ahead of the first request (a failure is only logged: the first publish tries again). */
    public void warmUp() {
        connection().whenComplete((c, e) -> {
            if (e != null) {
                org.slf4j.LoggerFactory.getLogger(Publisher.class).warn("API {}: the broker is not reachable yet: {}",
                    api.id(), EndpointConnection.unwrap(e).getMessage());
            }
        });
    }

    private synchronized CompletableFuture<EndpointConnection> connection() {
        if (connection != null && !connection.isClosed()) {
            return connecting;
        }
        String prefix = api.endpoint().shared().clientIdPrefix();
        EndpointConnection c = new EndpointConnection(api.endpoint(), EndpointConnection.randomClientId(prefix),
            new EndpointConnection.Options(true, 0, EndpointConnection.NO_RECEIVE_MAXIMUM), new EndpointConnection.Events() {
            });
        connection = c;
        connecting = c.connect().thenApply(v -> c);
        return connecting;
    }

    /** Resolves topic and response topic now (so a bad override fails before anything is sent), then publishes. */
    public CompletableFuture<Void> publish(OutgoingMessage m, Map<String, String> requestAttributes) {
        String topic;
        String responseTopic;
        try {
            topic = topics.producerTopic(m.attributes().get(ApiDefinition.TOPIC_ATTRIBUTE),
                requestAttributes.get(ApiDefinition.TOPIC_ATTRIBUTE));
            responseTopic = topics.responseTopic(m.attributes().get(ApiDefinition.RESPONSE_TOPIC_ATTRIBUTE),
                requestAttributes.get(ApiDefinition.RESPONSE_TOPIC_ATTRIBUTE));
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        String correlation = m.attributes().getOrDefault(ApiDefinition.CORRELATION_DATA_ATTRIBUTE,
            requestAttributes.get(ApiDefinition.CORRELATION_DATA_ATTRIBUTE));
        Mqtt5Publish publish;
        try {
            publish = build(m, topic, responseTopic, correlation);
        } catch (IllegalArgumentException e) {
            // a string MQTT cannot carry (U+0000, half a surrogate pair, over 65535 bytes), e.g. in an envelope's header
            return CompletableFuture.failedFuture(new GatewayException(GatewayFailure.INVALID_REQUEST,
                "the message cannot be published: " + e.getMessage(), e));
        }
        return connection().thenCompose(c -> {
                if (!c.isConnected()) {
                    // fail fast while the shared connection reconnects, rather than hold the HTTP caller for the back-off
                    throw new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_FAILED,
                        "the connection to " + api.endpoint().serverHost() + ":" + api.endpoint().serverPort()
                            + " is down; the gateway is reconnecting");
                }
                return c.client().publish(publish);
            })
            .orTimeout(PUBLISH_TIMEOUT_S, TimeUnit.SECONDS)
            .handle((result, err) -> {
                if (err != null) {
                    throw failure(EndpointConnection.unwrap(err));
                }
                if (result.getError().isPresent()) {
                    throw failure(result.getError().get());
                }
                return null;
            });
    }

    private Mqtt5Publish build(OutgoingMessage m, String topic, String responseTopic, String correlation) {
        Producer p = api.endpoint().shared().producer();
        Mqtt5PublishBuilder.Complete b = Mqtt5Publish.builder().topic(topic)
            .qos(MqttQos.fromCode(p.qos().code()))
            .retain(p.retained())
            .payload(m.payload());
        if (p.messageExpiryInterval() > -1) {
            b.messageExpiryInterval(p.messageExpiryInterval());
        }
        if (responseTopic != null) {
            b.responseTopic(responseTopic);
        }
        if (correlation != null) {
            b.correlationData(correlation.getBytes(StandardCharsets.UTF_8));
        }
        if (m.contentType() != null) {
            b.contentType(m.contentType());
        }
        if (!m.headers().isEmpty()) {
            Mqtt5UserPropertiesBuilder up = Mqtt5UserProperties.builder();
            m.headerPairs().forEach(h -> up.add(h.getKey(), h.getValue()));
            b.userProperties(up.build());
        }
        return b.build();
    }

    static GatewayException failure(Throwable t) {
        if (t instanceof GatewayException g) {
            return g;
        }
        if (t instanceof Mqtt5DisconnectException || t instanceof ConnectionClosedException) {
            return new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_CLOSED, t.getMessage(), t);
        }
        if (t instanceof MqttClientStateException) {
            return new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_FAILED, t.getMessage(), t);
        }
        if (t instanceof TimeoutException) {
            return new GatewayException(GatewayFailure.FAILURE_ENDPOINT_UNKNOWN_ERROR,
                "the broker did not acknowledge the PUBLISH within " + PUBLISH_TIMEOUT_S + " s", t);
        }
        return new GatewayException(GatewayFailure.FAILURE_ENDPOINT_UNKNOWN_ERROR, t.getClass().getSimpleName() + ": " + t.getMessage(), t);
    }

    public synchronized CompletableFuture<Void> close() {
        return connection == null ? CompletableFuture.completedFuture(null) : connection.disconnect(false);
    }
}
