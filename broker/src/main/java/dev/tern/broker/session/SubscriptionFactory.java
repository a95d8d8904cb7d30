package dev.tern.broker.session;

import dev.tern.broker.routing.Subscription;
import dev.tern.broker.routing.Topics;

/** Rebuilds subscriptions from their stored form. */
final class SubscriptionFactory {
    private SubscriptionFactory() {
    }

    /** The subscription, or null when the stored filter is no longer valid (it is then skipped). */
    static Subscription fromStored(Session s, SessionStore.StoredSubscription stored) {
        String filter = stored.filter();
        String topicFilter = filter;
        String group = null;
        if (Topics.isShared(filter)) {
            try {
                Topics.SharedFilter sf = Topics.parseShared(filter, 65535);
                group = sf.group();
                topicFilter = sf.filter();
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return new Subscription(s, filter, topicFilter, group, stored.qos(), stored.noLocal(), stored.retainAsPublished(),
            stored.retainHandling(), stored.subscriptionId());
    }
}
