package dev.tern.connectors;

import com.hazelcast.function.FunctionEx;
import com.hazelcast.jet.pipeline.Sink;

/**
 * MQTT sinks for Jet pipelines. See {@code docs/connectors.md} for every option, its default and
 * the delivery guarantee.
 */
public final class MqttSinks {
    private MqttSinks() {
    }

    public static <T> MqttSinkBuilder<T> builder() {
        return new MqttSinkBuilder<>();
    }

    /** Publishes each item's text (or bytes) to {@code topic} at QoS 1 on {@code tcp://localhost:1883}. */
    public static <T> Sink<T> mqtt(String topic) {
        return MqttSinks.<T>builder().topic(topic).build();
    }

    /** Publishes each item's text (or bytes) to {@code topic} at QoS 1 on {@code broker}. */
    public static <T> Sink<T> mqtt(String broker, String topic) {
        return MqttSinks.<T>builder().broker(broker).topic(topic).build();
    }

    /** Publishes {@code messageFn(item)} to {@code topic} on {@code broker}. */
    public static <T> Sink<T> mqtt(String broker, String topic, FunctionEx<? super T, MqttMessage> messageFn) {
        return MqttSinks.<T>builder().broker(broker).topic(topic).<T>messageFn(messageFn).build();
    }
}
