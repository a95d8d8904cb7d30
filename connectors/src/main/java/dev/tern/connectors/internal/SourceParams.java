package dev.tern.connectors.internal;

import com.hazelcast.function.BiFunctionEx;
import dev.tern.connectors.MqttConnectOptions;
import dev.tern.connectors.MqttMessage;
import dev.tern.connectors.Subscription;

import java.io.Serializable;
import java.util.List;

/** Everything a source processor needs, validated by the builder and shipped with the job. */
public record SourceParams<T>(
    BrokerUri broker,
    String clientId,
    MqttConnectOptions options,
    List<Subscription> subscriptions,
    String sharedGroup,
    BiFunctionEx<String, MqttMessage, T> mapToItemFn
) implements Serializable {
}
