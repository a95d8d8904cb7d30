package dev.tern.gateway.config;

import java.util.List;
import java.util.Map;

/**
 * One API: a context path, the entrypoints it offers (null = not offered), its plans, where
 * request headers / query parameters map to {@code gravitee.attribute.mqtt5.*} attributes, the
 * topic filters an override must stay inside, and its MQTT 5 endpoint.
 */
public record ApiDefinition(String id, String name, String contextPath,
                            EntrypointOptions.HttpPost httpPost, EntrypointOptions.HttpGet httpGet,
                            EntrypointOptions.Sse sse, EntrypointOptions.WebSocket webSocket,
                            EntrypointOptions.Webhook webhook,
                            Map<String, AttributeSource> attributes, List<String> allowedTopics,
                            List<PlanConfig> plans, Mqtt5EndpointConfig endpoint) {

    public static final String TOPIC_ATTRIBUTE = "gravitee.attribute.mqtt5.topic";
    public static final String RESPONSE_TOPIC_ATTRIBUTE = "gravitee.attribute.mqtt5.responseTopic";
    public static final String CORRELATION_DATA_ATTRIBUTE = "gravitee.attribute.mqtt5.correlationData";
    public static final List<String> ATTRIBUTES = List.of(TOPIC_ATTRIBUTE, RESPONSE_TOPIC_ATTRIBUTE, CORRELATION_DATA_ATTRIBUTE);

    public ApiDefinition {
        attributes = Map.copyOf(attributes);
        allowedTopics = List.copyOf(allowedTopics);
        plans = List.copyOf(plans);
    }

    public ApiDefinition withEndpoint(Mqtt5EndpointConfig e) {
        return new ApiDefinition(id, name, contextPath, httpPost, httpGet, sse, webSocket, webhook, attributes,
            allowedTopics, plans, e);
    }

    /** Where an attribute's value comes from: a request header, else a query parameter. */
    public record AttributeSource(String header, String query) {
    }
}
