package dev.tern.gateway.webhook;

import dev.tern.gateway.config.EntrypointOptions.Header;

import java.util.List;

/**
 * A webhook subscription as it is kept across restarts.
 *
 * @param filter the topic filter it consumes (the API's consumer.topic or an allowed override)
 */
public record WebhookSubscription(String id, String apiId, String consumer, String callbackUrl, List<Header> headers,
                                  String filter, String secret, long createdAt) {
    public WebhookSubscription {
        headers = List.copyOf(headers);
    }
}
