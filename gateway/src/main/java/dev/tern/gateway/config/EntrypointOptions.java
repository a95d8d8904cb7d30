package dev.tern.gateway.config;

import java.util.List;

/** Options of the five entrypoints, with the reference's names and defaults (docs/gateway.md). */
public final class EntrypointOptions {
    private EntrypointOptions() {
    }

    /** {@code http-post}: the whole body becomes one message. */
    public record HttpPost(DeliveryQos qos, boolean requestHeadersToMessage) {
    }

    /** {@code http-get}: polling with limit, cursor and a long-poll window. */
    public record HttpGet(DeliveryQos qos, int messagesLimitCount, long messagesLimitDurationMs,
                          boolean headersInPayload, boolean metadataInPayload) {
        public static final int DEFAULT_LIMIT_COUNT = 500;
        public static final long DEFAULT_LIMIT_DURATION_MS = 30_000;
    }

    /** {@code sse}: server-sent events. */
    public record Sse(DeliveryQos qos, long heartbeatIntervalInMs, boolean metadataAsComment,
                      boolean headersAsComment, long retryInMs) {
        public static final long DEFAULT_HEARTBEAT_MS = 5_000;
        public static final long DEFAULT_RETRY_MS = 5_000;
    }

    /**
     * {@code websocket}: publisher and/or subscriber. {@code noLocal} (Tern addition, gap 2): a socket
     * does not get back the messages it published itself. {@code envelope} (Tern addition): each inbound
     * text message is a JSON envelope carrying the message's own attributes and headers, so the topic
     * can be overridden per message (reference §1.5).
     */
    public record WebSocket(DeliveryQos qos, boolean publisherEnabled, boolean subscriberEnabled, boolean noLocal,
                            boolean envelope) {
    }

    /** {@code webhook}: background subscriptions that POST each message to a callback URL. */
    public record Webhook(DeliveryQos qos, long connectTimeoutMs, long readTimeoutMs, long idleTimeoutMs,
                          int maxConcurrentConnections, Retry retry, String deadLetterTopic,
                          List<Header> headers) {

        /** The reference forces one connection under AT_LEAST_ONCE and AT_MOST_ONCE (ordering). */
        public int effectiveConcurrency() {
            return qos == DeliveryQos.AT_LEAST_ONCE || qos == DeliveryQos.AT_MOST_ONCE ? 1 : maxConcurrentConnections;
        }
    }

    /** Webhook retries: {@code maxAttempts} calls in all, the n-th retry after min(initial * multiplier^(n-1), max). */
    public record Retry(int maxAttempts, long initialDelayMs, long maxDelayMs, double multiplier) {
        public static final Retry DEFAULT = new Retry(5, 1_000, 30_000, 2.0);

        public long delayMs(int retry) {
            double d = initialDelayMs * Math.pow(multiplier, Math.max(0, retry - 1));
            return (long) Math.min(d, maxDelayMs);
        }
    }

    /** A header sent with every webhook call: an HTTP token name and a valid HTTP value ({@link WebhookHeaders}). */
    public record Header(String name, String value) {
    }
}
