package dev.tern.connectors.internal;

import com.hazelcast.function.FunctionEx;
import com.hazelcast.jet.retry.RetryStrategy;
import dev.tern.connectors.MqttConnectOptions;
import dev.tern.connectors.MqttMessage;

import java.io.Serializable;

/** Everything a sink processor needs, validated by the builder and shipped with the job. */
public record SinkParams<T>(
    BrokerUri broker,
    String clientId,
    MqttConnectOptions options,
    String topic,
    RetryStrategy retryStrategy,
    FunctionEx<? super T, MqttMessage> messageFn
) implements Serializable {
}
