package dev.tern.connectors;

import com.hazelcast.function.FunctionEx;
import com.hazelcast.jet.core.ProcessorMetaSupplier;
import com.hazelcast.jet.core.ProcessorSupplier;
import com.hazelcast.jet.pipeline.Sink;
import com.hazelcast.jet.pipeline.Sinks;
import com.hazelcast.jet.retry.RetryStrategies;
import com.hazelcast.jet.retry.RetryStrategy;
import dev.tern.connectors.internal.BrokerUri;
import dev.tern.connectors.internal.SinkParams;
import dev.tern.connectors.internal.WriteMqttP;

import java.util.Objects;

/**
 * Builds an MQTT {@link Sink}. Get one with {@link MqttSinks#builder()}.
 *
 * <pre>{@code
 * Sink<Order> sink = MqttSinks.<Order>builder()
 *     .broker("tcp://broker:1883")
 *     .clientId("orders-producer")        // each processor appends -<global processor index>
 *     .topic("orders/processed")
 *     .autoReconnect()
 *     .keepSession()
 *     .retryStrategy(RetryStrategies.indefinitely(1000))
 *     .messageFn(order -> MqttMessage.builder().payload(order.toJson()).qos(2).build())
 *     .build();
 * }</pre>
 *
 * @param <T> the type of the items the sink receives
 */
public final class MqttSinkBuilder<T> extends AbstractMqttBuilder<MqttSinkBuilder<T>> {
    private String topic;
    private RetryStrategy retryStrategy = RetryStrategies.never();
    private FunctionEx<? super T, MqttMessage> messageFn = MqttSinkBuilder::defaultMessage;

    MqttSinkBuilder() {
    }

    /** The topic every message is published to (no wildcards). Required. */
    public MqttSinkBuilder<T> topic(String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
        return this;
    }

    /**
     * How often and how far apart a failed publish (or, without autoReconnect, a lost connection) is
     * retried before the job fails. Default {@link RetryStrategies#never()}. A negative
     * {@code maxAttempts} retries forever; otherwise a message is tried {@code maxAttempts + 1} times.
     */
    public MqttSinkBuilder<T> retryStrategy(RetryStrategy retryStrategy) {
        this.retryStrategy = Objects.requireNonNull(retryStrategy, "retryStrategy");
        return this;
    }

    /**
     * Turns an item into the message to publish (payload, QoS, retain, MQTT 5 properties). Default:
     * a {@code byte[]} item as is, any other item's {@code toString()} in UTF-8; QoS 1, not retained.
     */
    @SuppressWarnings("unchecked")
    public <T_NEW> MqttSinkBuilder<T_NEW> messageFn(FunctionEx<? super T_NEW, MqttMessage> messageFn) {
        MqttSinkBuilder<T_NEW> b = (MqttSinkBuilder<T_NEW>) this;
        b.messageFn = Objects.requireNonNull(messageFn, "messageFn");
        return b;
    }

    /** Checks the options and builds the sink; a missing or wrong option is named in the exception. */
    public Sink<T> build() {
        if (topic == null) {
            throw new IllegalStateException("MqttSinkBuilder: topic(...) must be set");
        }
        if (topic.isEmpty() || topic.contains("+") || topic.contains("#")) {
            throw new IllegalArgumentException("MqttSinkBuilder: topic(\"" + topic
                + "\") must be a non-empty topic name without wildcards [MQTT-3.3.2-2]");
        }
        BrokerUri uri = brokerUri();
        MqttConnectOptions options = options();
        SinkParams<T> params = new SinkParams<>(uri, clientIdOrRandom(), options, topic, retryStrategy, messageFn);
        ProcessorSupplier processors = ProcessorSupplier.of(() -> new WriteMqttP<>(params));
        return Sinks.fromProcessor("mqttSink(" + uri + " " + topic + ")",
            ProcessorMetaSupplier.preferLocalParallelismOne(processors));
    }

    static MqttMessage defaultMessage(Object item) {
        return item instanceof byte[] bytes ? MqttMessage.of(bytes) : MqttMessage.of(String.valueOf(item));
    }
}
