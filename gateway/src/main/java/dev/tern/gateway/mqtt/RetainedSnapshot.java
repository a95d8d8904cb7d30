package dev.tern.gateway.mqtt;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.gateway.config.Mqtt5EndpointConfig;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The retained messages matching a filter, which shared subscriptions never deliver (MQTT 5
 * §4.8.2; gap 1). A short-lived client without a session subscribes to the plain filter at QoS 0,
 * keeps what arrives with RETAIN set, and unsubscribes: the broker sends the retained messages of a
 * subscription before it answers a later UNSUBSCRIBE on the same connection, so the UNSUBACK marks
 * the end of the snapshot.
 */
final class RetainedSnapshot {
    private RetainedSnapshot() {
    }

    static CompletableFuture<List<Mqtt5Publish>> take(Mqtt5EndpointConfig endpoint, String filter) {
        List<Mqtt5Publish> retained = new CopyOnWriteArrayList<>();
        EndpointConnection c = new EndpointConnection(endpoint.withShared(endpoint.shared().withReconnectAttempts(0)),
            EndpointConnection.randomClientId(endpoint.shared().clientIdPrefix()),
            new EndpointConnection.Options(true, 0, EndpointConnection.NO_RECEIVE_MAXIMUM), new EndpointConnection.Events() {
            });
        return c.connect()
            .thenCompose(v -> c.client().subscribeWith().topicFilter(filter).qos(MqttQos.AT_MOST_ONCE)
                .callback(p -> {
                    if (p.isRetain()) {
                        retained.add(p);
                    }
                }).send())
            .thenCompose(ack -> c.client().unsubscribeWith().topicFilter(filter).send())
            .handle((ack, err) -> {
                c.disconnect(false);
                if (err != null) {
                    throw new java.util.concurrent.CompletionException(err);
                }
                return List.copyOf(retained);
            });
    }
}
