package dev.tern.connectors;

import dev.tern.connectors.Subscription.QualityOfService;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * An MQTT application message as the source hands it to {@code mapToItemFn} and as a sink's
 * {@code messageFn} returns it: payload, QoS, retain flag and the MQTT 5 publish properties.
 * Over MQTT 3.1.1 the properties are absent on receipt and not sent on publish.
 * Immutable; build one with {@link #builder()} or {@link #of(byte[])}.
 */
public final class MqttMessage implements Serializable {
    private static final long serialVersionUID = 1L;

    /** An MQTT 5 user property (name and value, both UTF-8 strings; names may repeat). */
    public record UserProperty(String name, String value) implements Serializable {
        public UserProperty {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    private final byte[] payload;
    private final QualityOfService qos;
    private final boolean retain;
    private final String contentType;
    private final String responseTopic;
    private final byte[] correlationData;
    private final Long messageExpiryInterval;
    private final boolean payloadUtf8;
    private final List<UserProperty> userProperties;

    private MqttMessage(Builder b) {
        this.payload = b.payload;
        this.qos = b.qos;
        this.retain = b.retain;
        this.contentType = b.contentType;
        this.responseTopic = b.responseTopic;
        this.correlationData = b.correlationData;
        this.messageExpiryInterval = b.messageExpiryInterval;
        this.payloadUtf8 = b.payloadUtf8;
        this.userProperties = List.copyOf(b.userProperties);
    }

    /** A QoS 1, not retained message with this payload. */
    public static MqttMessage of(byte[] payload) {
        return builder().payload(payload).build();
    }

    /** A QoS 1, not retained message with this text as UTF-8 payload. */
    public static MqttMessage of(String payload) {
        return builder().payload(payload).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The payload (not copied: do not modify it). */
    public byte[] payload() {
        return payload;
    }

    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    public QualityOfService qos() {
        return qos;
    }

    public boolean retain() {
        return retain;
    }

    /** MQTT 5 Content Type, or null. */
    public String contentType() {
        return contentType;
    }

    /** MQTT 5 Response Topic, or null. */
    public String responseTopic() {
        return responseTopic;
    }

    /** MQTT 5 Correlation Data, or null. */
    public byte[] correlationData() {
        return correlationData;
    }

    /** MQTT 5 Message Expiry Interval in seconds, if set. */
    public OptionalLong messageExpiryInterval() {
        return messageExpiryInterval == null ? OptionalLong.empty() : OptionalLong.of(messageExpiryInterval);
    }

    /** MQTT 5 Payload Format Indicator: true when the payload is declared UTF-8. */
    public boolean payloadUtf8() {
        return payloadUtf8;
    }

    /** MQTT 5 user properties in order; empty when there are none. */
    public List<UserProperty> userProperties() {
        return userProperties;
    }

    /** The first user property with this name, or null. */
    public String userProperty(String name) {
        for (UserProperty p : userProperties) {
            if (p.name().equals(name)) {
                return p.value();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "MqttMessage{qos=" + qos.getQos() + ", retain=" + retain + ", payload=" + payload.length + " bytes"
            + (userProperties.isEmpty() ? "" : ", userProperties=" + userProperties) + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MqttMessage m && Arrays.equals(payload, m.payload) && qos == m.qos && retain == m.retain
            && Objects.equals(contentType, m.contentType) && Objects.equals(responseTopic, m.responseTopic)
            && Arrays.equals(correlationData, m.correlationData)
            && Objects.equals(messageExpiryInterval, m.messageExpiryInterval) && payloadUtf8 == m.payloadUtf8
            && userProperties.equals(m.userProperties);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(payload) * 31 + qos.hashCode();
    }

    /** Builder; defaults: empty payload, QoS 1, not retained, no properties. */
    public static final class Builder {
        private byte[] payload = new byte[0];
        private QualityOfService qos = QualityOfService.AT_LEAST_ONCE;
        private boolean retain;
        private String contentType;
        private String responseTopic;
        private byte[] correlationData;
        private Long messageExpiryInterval;
        private boolean payloadUtf8;
        private final List<UserProperty> userProperties = new ArrayList<>();

        private Builder() {
        }

        public Builder payload(byte[] payload) {
            this.payload = Objects.requireNonNull(payload, "payload");
            return this;
        }

        public Builder payload(String payload) {
            return payload(payload.getBytes(StandardCharsets.UTF_8));
        }

        public Builder qos(QualityOfService qos) {
            this.qos = Objects.requireNonNull(qos, "qos");
            return this;
        }

        public Builder qos(int qos) {
            return qos(QualityOfService.of(qos));
        }

        public Builder retain(boolean retain) {
            this.retain = retain;
            return this;
        }

        public Builder contentType(String contentType) {
            this.contentType = contentType;
            return this;
        }

        public Builder responseTopic(String responseTopic) {
            this.responseTopic = responseTopic;
            return this;
        }

        public Builder correlationData(byte[] correlationData) {
            this.correlationData = correlationData;
            return this;
        }

        /** Seconds, 0..4294967295. */
        public Builder messageExpiryInterval(long seconds) {
            if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("messageExpiryInterval must be 0..4294967295 seconds, was " + seconds);
            }
            this.messageExpiryInterval = seconds;
            return this;
        }

        public Builder payloadUtf8(boolean payloadUtf8) {
            this.payloadUtf8 = payloadUtf8;
            return this;
        }

        public Builder userProperty(String name, String value) {
            userProperties.add(new UserProperty(name, value));
            return this;
        }

        public MqttMessage build() {
            return new MqttMessage(this);
        }
    }
}
