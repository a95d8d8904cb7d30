package dev.tern.broker.routing;

/**
 * One subscription of one session (section 3.8.3.1 options).
 *
 * @param filter            the topic filter as the client sent it (with any $share prefix)
 * @param topicFilter       the filter that is matched against topics (without $share/{group}/)
 * @param shareGroup        the share name, or null for a non-shared subscription
 * @param subscriptionId    the subscription identifier, or 0 for none
 */
public record Subscription(Subscriber subscriber, String filter, String topicFilter, String shareGroup, int qos,
                           boolean noLocal, boolean retainAsPublished, int retainHandling, int subscriptionId) {

    public boolean isShared() {
        return shareGroup != null;
    }
}
