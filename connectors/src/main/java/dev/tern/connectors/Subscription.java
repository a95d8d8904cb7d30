package dev.tern.connectors;

import java.io.Serializable;
import java.util.Objects;

/**
 * A topic filter and the quality of service to subscribe with. Wildcards ({@code +}, {@code #})
 * are allowed; a shared subscription is asked for with {@link MqttSourceBuilder#sharedSubscription}
 * rather than by writing {@code $share/...} here.
 */
public final class Subscription implements Serializable {
    private static final long serialVersionUID = 1L;

    /** MQTT quality of service levels. */
    public enum QualityOfService {
        AT_MOST_ONCE(0),
        AT_LEAST_ONCE(1),
        EXACTLY_ONCE(2);

        private final int qos;

        QualityOfService(int qos) {
            this.qos = qos;
        }

        public int getQos() {
            return qos;
        }

        /** The level for 0, 1 or 2; anything else throws {@link IllegalArgumentException}. */
        public static QualityOfService of(int qos) {
            return switch (qos) {
                case 0 -> AT_MOST_ONCE;
                case 1 -> AT_LEAST_ONCE;
                case 2 -> EXACTLY_ONCE;
                default -> throw new IllegalArgumentException("Unknown qos level: " + qos + " (use 0, 1 or 2)");
            };
        }
    }

    private final String topic;
    private final QualityOfService qualityOfService;

    private Subscription(String topic, QualityOfService qualityOfService) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.qualityOfService = Objects.requireNonNull(qualityOfService, "qualityOfService");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
    }

    /** Subscribes to {@code topic} at {@link QualityOfService#AT_LEAST_ONCE}. */
    public static Subscription of(String topic) {
        return new Subscription(topic, QualityOfService.AT_LEAST_ONCE);
    }

    public static Subscription of(String topic, QualityOfService qualityOfService) {
        return new Subscription(topic, qualityOfService);
    }

    /** {@code qos} must be 0, 1 or 2, otherwise {@link IllegalArgumentException} ("Unknown qos level"). */
    public static Subscription of(String topic, int qos) {
        return new Subscription(topic, QualityOfService.of(qos));
    }

    public String getTopic() {
        return topic;
    }

    public QualityOfService getQualityOfService() {
        return qualityOfService;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Subscription s && s.topic.equals(topic) && s.qualityOfService == qualityOfService;
    }

    @Override
    public int hashCode() {
        return topic.hashCode() * 31 + qualityOfService.hashCode();
    }

    @Override
    public String toString() {
        return topic + "@" + qualityOfService;
    }
}
