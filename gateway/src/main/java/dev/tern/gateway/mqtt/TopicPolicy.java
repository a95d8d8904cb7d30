package dev.tern.gateway.mqtt;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;

/** Resolves the topic of a request or message and refuses overrides outside the API's allowed filters. */
public final class TopicPolicy {
    private final ApiDefinition api;

    public TopicPolicy(ApiDefinition api) {
        this.api = api;
    }

    /** The filter to consume: the override when given (checked), else {@code consumer.topic}. */
    public String consumerFilter(String override) {
        if (override == null || override.isEmpty()) {
            return api.endpoint().shared().consumer().topic();
        }
        String p = Topics.filterProblem(override);
        if (p != null) {
            throw new GatewayException(GatewayFailure.INVALID_TOPIC, "topic filter " + override + " " + p);
        }
        for (String allowed : api.allowedTopics()) {
            if (Topics.covers(allowed, override)) {
                return override;
            }
        }
        throw new GatewayException(GatewayFailure.TOPIC_FORBIDDEN, "topic filter " + override
            + " is outside the API's allowed topics " + api.allowedTopics());
    }

    /** The topic to publish to: message attribute, then request attribute, then {@code producer.topic}. */
    public String producerTopic(String messageOverride, String requestOverride) {
        String t = messageOverride != null && !messageOverride.isEmpty() ? messageOverride : requestOverride;
        if (t == null || t.isEmpty()) {
            return api.endpoint().shared().producer().topic();
        }
        String p = Topics.nameProblem(t);
        if (p != null) {
            throw new GatewayException(GatewayFailure.INVALID_TOPIC, "topic " + t + " " + p);
        }
        for (String allowed : api.allowedTopics()) {
            if (Topics.matches(allowed, t)) {
                return t;
            }
        }
        throw new GatewayException(GatewayFailure.TOPIC_FORBIDDEN, "topic " + t + " is outside the API's allowed topics "
            + api.allowedTopics());
    }

    /** A response topic override must be a valid topic name; it is not restricted to the allowed filters. */
    public String responseTopic(String messageOverride, String requestOverride) {
        String t = messageOverride != null && !messageOverride.isEmpty() ? messageOverride : requestOverride;
        if (t == null || t.isEmpty()) {
            return api.endpoint().shared().producer().responseTopic();
        }
        String p = Topics.nameProblem(t);
        if (p != null) {
            throw new GatewayException(GatewayFailure.INVALID_TOPIC, "response topic " + t + " " + p);
        }
        return t;
    }
}
