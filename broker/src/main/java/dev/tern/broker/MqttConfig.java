package dev.tern.broker;

/**
 * Protocol limits and policies. Defaults follow the reference (Artemis's acceptor parameters and
 * HiveMQ's queue settings); where a value of -1 or 0 has a special meaning it is the one the
 * Artemis reference gives, stated on each accessor. Every key is documented with its default in
 * {@code docs/configuration.md}.
 *
 * @param receiveMaximum                   QoS 1/2 PUBLISHes a client may have unacknowledged toward the
 *                                         server (1-65535, default 65535); -1 leaves it out of CONNACK,
 *                                         which means 65535. 0 is refused (prohibited by MQTT 5)
 * @param topicAliasMaximum                aliases a client may use toward the server (default 65535);
 *                                         0 disables inbound aliases; -1 leaves it out of CONNACK (= 0)
 * @param maximumPacketSize                largest packet the server accepts, bytes (default 268435455);
 *                                         -1 means no limit and is left out of CONNACK. 0 is refused
 * @param serverKeepAlive                  seconds (default 60). -1: always use the client's value, even 0.
 *                                         0: keep-alive disabled. N: used when the client asks for more
 *                                         than N or for 0
 * @param allowLinkStealing                a second connection with a connected client id takes over
 *                                         (default true); false refuses the newcomer
 * @param defaultMqttSessionExpiryInterval seconds a MQTT 3.x persistent session lives after disconnect
 *                                         (default -1, never expires)
 * @param sessionScanIntervalMs            period of the expiry backstop scan (default 5000)
 * @param maxQueuedMessages                messages queued per client beyond its in-flight window
 *                                         (default 1000)
 * @param queueOverflowStrategy            what a full queue drops (default discard: the new message)
 * @param queueQos0Messages                queue QoS 0 messages for offline persistent sessions (default false)
 * @param maxClientIdLength                longest client identifier accepted, in characters (default 65535)
 * @param maxTopicLength                   longest topic name or filter accepted, in characters (default 65535)
 * @param maximumQoS                       highest QoS the server accepts and grants (default 2)
 * @param retainAvailable                  retained messages supported (default true)
 * @param wildcardSubscriptionAvailable    wildcard subscriptions supported (default true)
 * @param subscriptionIdentifierAvailable  subscription identifiers supported (default true)
 * @param sharedSubscriptionAvailable      shared subscriptions supported (default true)
 * @param maxInflightMessages              outbound in-flight window for clients that send no Receive
 *                                         Maximum (MQTT 3.x), default 65535 as Artemis's
 *                                         defaultMaximumInFlightPublishMessages
 * @param outboundTopicAliases             the server assigns topic aliases on PUBLISHes to MQTT 5 clients
 *                                         that allow them (default true)
 * @param connectTimeoutMs                 how long a new connection may take to send CONNECT (default 10000)
 * @param closeMqttConnectionOnPublishAuthorizationFailure MQTT 3.1.1: close on an unauthorized PUBLISH
 *                                         (default true) rather than acknowledge it silently
 */
public record MqttConfig(
    int receiveMaximum,
    int topicAliasMaximum,
    long maximumPacketSize,
    int serverKeepAlive,
    boolean allowLinkStealing,
    long defaultMqttSessionExpiryInterval,
    long sessionScanIntervalMs,
    int maxQueuedMessages,
    QueueOverflowStrategy queueOverflowStrategy,
    boolean queueQos0Messages,
    int maxClientIdLength,
    int maxTopicLength,
    int maximumQoS,
    boolean retainAvailable,
    boolean wildcardSubscriptionAvailable,
    boolean subscriptionIdentifierAvailable,
    boolean sharedSubscriptionAvailable,
    int maxInflightMessages,
    boolean outboundTopicAliases,
    long connectTimeoutMs,
    boolean closeMqttConnectionOnPublishAuthorizationFailure) {

    /** What a full per-client queue drops. */
    public enum QueueOverflowStrategy {
        /** Drop the message that did not fit (HiveMQ's {@code discard}). */
        DISCARD,
        /** Drop the oldest queued message to make room (HiveMQ's {@code discard-oldest}). */
        DISCARD_OLDEST
    }

    public MqttConfig {
        check(receiveMaximum == -1 || (receiveMaximum >= 1 && receiveMaximum <= 65535), "receiveMaximum",
            receiveMaximum, "1..65535, or -1 to leave it out of CONNACK (0 is prohibited by MQTT 5)");
        check(topicAliasMaximum >= -1 && topicAliasMaximum <= 65535, "topicAliasMaximum", topicAliasMaximum,
            "0..65535, or -1 to leave it out of CONNACK");
        check(maximumPacketSize == -1 || (maximumPacketSize >= 16 && maximumPacketSize <= 268435455L),
            "maximumPacketSize", maximumPacketSize, "16..268435455, or -1 for no limit (0 is prohibited by MQTT 5)");
        check(serverKeepAlive >= -1 && serverKeepAlive <= 65535, "serverKeepAlive", serverKeepAlive,
            "-1 (use the client's), 0 (disabled) or 1..65535 seconds");
        check(defaultMqttSessionExpiryInterval >= -1 && defaultMqttSessionExpiryInterval <= 4294967295L,
            "defaultMqttSessionExpiryInterval", defaultMqttSessionExpiryInterval, "-1 (never) or 0..4294967295 seconds");
        check(sessionScanIntervalMs >= 100, "sessionScanInterval", sessionScanIntervalMs, "at least 100 ms");
        check(maxQueuedMessages >= 0, "maxQueuedMessages", maxQueuedMessages, "0 or more");
        check(queueOverflowStrategy != null, "queueOverflowStrategy", null, "discard or discard-oldest");
        check(maxClientIdLength >= 1 && maxClientIdLength <= 65535, "maxClientIdLength", maxClientIdLength, "1..65535");
        check(maxTopicLength >= 1 && maxTopicLength <= 65535, "maxTopicLength", maxTopicLength, "1..65535");
        check(maximumQoS >= 0 && maximumQoS <= 2, "maximumQoS", maximumQoS, "0, 1 or 2");
        check(maxInflightMessages >= 1 && maxInflightMessages <= 65535, "maxInflightMessages", maxInflightMessages,
            "1..65535");
        check(connectTimeoutMs >= 100, "connectTimeout", connectTimeoutMs, "at least 100 ms");
    }

    private static void check(boolean ok, String key, Object value, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException("mqtt." + key + " = " + value + " is not allowed: use " + allowed);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static MqttConfig defaults() {
        return builder().build();
    }

    /** The inbound limit actually enforced: -1 (no limit) reads as the protocol's maximum. */
    public long effectiveMaximumPacketSize() {
        return maximumPacketSize == -1 ? 268435455L + 5 : maximumPacketSize;
    }

    /** The inbound receive maximum actually enforced (-1 reads as 65535). */
    public int effectiveReceiveMaximum() {
        return receiveMaximum == -1 ? 65535 : receiveMaximum;
    }

    /** The inbound topic alias maximum actually enforced (-1 reads as 0). */
    public int effectiveTopicAliasMaximum() {
        return Math.max(topicAliasMaximum, 0);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builder with the documented defaults. */
    public static final class Builder {
        private int receiveMaximum = 65535;
        private int topicAliasMaximum = 65535;
        private long maximumPacketSize = 268435455L;
        private int serverKeepAlive = 60;
        private boolean allowLinkStealing = true;
        private long defaultMqttSessionExpiryInterval = -1;
        private long sessionScanIntervalMs = 5000;
        private int maxQueuedMessages = 1000;
        private QueueOverflowStrategy queueOverflowStrategy = QueueOverflowStrategy.DISCARD;
        private boolean queueQos0Messages;
        private int maxClientIdLength = 65535;
        private int maxTopicLength = 65535;
        private int maximumQoS = 2;
        private boolean retainAvailable = true;
        private boolean wildcardSubscriptionAvailable = true;
        private boolean subscriptionIdentifierAvailable = true;
        private boolean sharedSubscriptionAvailable = true;
        private int maxInflightMessages = 65535;
        private boolean outboundTopicAliases = true;
        private long connectTimeoutMs = 10000;
        private boolean closeMqttConnectionOnPublishAuthorizationFailure = true;

        private Builder() {
        }

        private Builder(MqttConfig c) {
            receiveMaximum = c.receiveMaximum;
            topicAliasMaximum = c.topicAliasMaximum;
            maximumPacketSize = c.maximumPacketSize;
            serverKeepAlive = c.serverKeepAlive;
            allowLinkStealing = c.allowLinkStealing;
            defaultMqttSessionExpiryInterval = c.defaultMqttSessionExpiryInterval;
            sessionScanIntervalMs = c.sessionScanIntervalMs;
            maxQueuedMessages = c.maxQueuedMessages;
            queueOverflowStrategy = c.queueOverflowStrategy;
            queueQos0Messages = c.queueQos0Messages;
            maxClientIdLength = c.maxClientIdLength;
            maxTopicLength = c.maxTopicLength;
            maximumQoS = c.maximumQoS;
            retainAvailable = c.retainAvailable;
            wildcardSubscriptionAvailable = c.wildcardSubscriptionAvailable;
            subscriptionIdentifierAvailable = c.subscriptionIdentifierAvailable;
            sharedSubscriptionAvailable = c.sharedSubscriptionAvailable;
            maxInflightMessages = c.maxInflightMessages;
            outboundTopicAliases = c.outboundTopicAliases;
            connectTimeoutMs = c.connectTimeoutMs;
            closeMqttConnectionOnPublishAuthorizationFailure = c.closeMqttConnectionOnPublishAuthorizationFailure;
        }

        public Builder receiveMaximum(int v) { receiveMaximum = v; return this; }
        public Builder topicAliasMaximum(int v) { topicAliasMaximum = v; return this; }
        public Builder maximumPacketSize(long v) { maximumPacketSize = v; return this; }
        public Builder serverKeepAlive(int v) { serverKeepAlive = v; return this; }
        public Builder allowLinkStealing(boolean v) { allowLinkStealing = v; return this; }
        public Builder defaultMqttSessionExpiryInterval(long v) { defaultMqttSessionExpiryInterval = v; return this; }
        public Builder sessionScanIntervalMs(long v) { sessionScanIntervalMs = v; return this; }
        public Builder maxQueuedMessages(int v) { maxQueuedMessages = v; return this; }
        public Builder queueOverflowStrategy(QueueOverflowStrategy v) { queueOverflowStrategy = v; return this; }
        public Builder queueQos0Messages(boolean v) { queueQos0Messages = v; return this; }
        public Builder maxClientIdLength(int v) { maxClientIdLength = v; return this; }
        public Builder maxTopicLength(int v) { maxTopicLength = v; return this; }
        public Builder maximumQoS(int v) { maximumQoS = v; return this; }
        public Builder retainAvailable(boolean v) { retainAvailable = v; return this; }
        public Builder wildcardSubscriptionAvailable(boolean v) { wildcardSubscriptionAvailable = v; return this; }
        public Builder subscriptionIdentifierAvailable(boolean v) { subscriptionIdentifierAvailable = v; return this; }
        public Builder sharedSubscriptionAvailable(boolean v) { sharedSubscriptionAvailable = v; return this; }
        public Builder maxInflightMessages(int v) { maxInflightMessages = v; return this; }
        public Builder outboundTopicAliases(boolean v) { outboundTopicAliases = v; return this; }
        public Builder connectTimeoutMs(long v) { connectTimeoutMs = v; return this; }
        public Builder closeMqttConnectionOnPublishAuthorizationFailure(boolean v) {
            closeMqttConnectionOnPublishAuthorizationFailure = v;
            return this;
        }

        public MqttConfig build() {
            return new MqttConfig(receiveMaximum, topicAliasMaximum, maximumPacketSize, serverKeepAlive,
                allowLinkStealing, defaultMqttSessionExpiryInterval, sessionScanIntervalMs, maxQueuedMessages,
                queueOverflowStrategy, queueQos0Messages, maxClientIdLength, maxTopicLength, maximumQoS,
                retainAvailable, wildcardSubscriptionAvailable, subscriptionIdentifierAvailable,
                sharedSubscriptionAvailable, maxInflightMessages, outboundTopicAliases, connectTimeoutMs,
                closeMqttConnectionOnPublishAuthorizationFailure);
        }
    }
}
