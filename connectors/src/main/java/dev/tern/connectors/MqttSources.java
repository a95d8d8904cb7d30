package dev.tern.connectors;

import com.hazelcast.function.BiFunctionEx;
import com.hazelcast.jet.pipeline.StreamSource;

/**
 * MQTT stream sources for Jet pipelines. See {@code docs/connectors.md} for every option, its
 * default and the delivery guarantee under each processing guarantee.
 */
public final class MqttSources {
    private MqttSources() {
    }

    /** A builder for a source of {@code byte[]} payloads (change the item type with {@code mapToItemFn}). */
    public static MqttSourceBuilder<byte[]> builder() {
        return new MqttSourceBuilder<>();
    }

    /** Payloads from {@code topic} at QoS 1 on {@code tcp://localhost:1883}, random client id, clean session. */
    public static StreamSource<byte[]> mqtt(String topic) {
        return builder().topic(topic).build();
    }

    /** Payloads from {@code topic} at QoS 1 on {@code broker}. */
    public static StreamSource<byte[]> mqtt(String broker, String topic) {
        return builder().broker(broker).topic(topic).build();
    }

    /** Items mapped from {@code subscription}'s messages on {@code broker}. */
    public static <T> StreamSource<T> mqtt(String broker, Subscription subscription,
                                           BiFunctionEx<String, MqttMessage, T> mapToItemFn) {
        return builder().broker(broker).subscriptions(subscription).mapToItemFn(mapToItemFn).build();
    }
}
