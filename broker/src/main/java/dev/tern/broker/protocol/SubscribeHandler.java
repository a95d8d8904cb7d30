package dev.tern.broker.protocol;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.routing.SharedGroup;
import dev.tern.broker.routing.Subscription;
import dev.tern.broker.routing.Topics;
import dev.tern.broker.session.Session;

import java.util.ArrayList;
import java.util.List;

/**
 * SUBSCRIBE (section 3.8): one reason code per topic filter, the subscription stored in the
 * session and the tree, then SUBACK, then the retained messages each new subscription asks for
 * (retain handling 0, 1, 2) and the messages a shared group kept while it had no member online.
 */
public final class SubscribeHandler {

    void handle(MqttConnection c, SubscribePacket p) {
        MqttConfig config = c.config();
        boolean v5 = c.version().isV5();
        int subscriptionId = p.subscriptionIdentifier();
        if (subscriptionId != 0 && !config.subscriptionIdentifierAvailable()) {
            // section 3.2.2.3.12: identifiers are switched off and CONNACK said so
            Disconnector.disconnect(c, ReasonCode.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
                "subscription identifiers are disabled");
            return;
        }
        Session session = c.session();
        long mark = c.services().store().mark();
        int[] codes = new int[p.subscriptions().size()];
        Subscription[] added = new Subscription[codes.length];
        Subscription[] replaced = new Subscription[codes.length];
        List<Subscription> retainedFor = new ArrayList<>(2);
        List<Subscription> sharedAdded = new ArrayList<>(1);
        for (int i = 0; i < codes.length; i++) {
            SubscribePacket.TopicSubscription t = p.subscriptions().get(i);
            String filter = t.filter();
            String topicFilter = filter;
            String group = null;
            if (Topics.isShared(filter)) {
                if (t.noLocal()) {
                    // [MQTT-3.8.3-4] No Local on a shared subscription is a protocol error
                    Disconnector.disconnect(c, ReasonCode.PROTOCOL_ERROR, "No Local set on shared subscription " + filter);
                    return;
                }
                if (!config.sharedSubscriptionAvailable()) {
                    codes[i] = failure(v5, ReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED);
                    continue;
                }
                try {
                    Topics.SharedFilter sf = Topics.parseShared(filter, config.maxTopicLength());
                    group = sf.group();
                    topicFilter = sf.filter();
                } catch (IllegalArgumentException e) {
                    codes[i] = failure(v5, ReasonCode.TOPIC_FILTER_INVALID);
                    continue;
                }
            } else if (Topics.checkTopicFilter(filter, config.maxTopicLength()) != null) {
                codes[i] = failure(v5, ReasonCode.TOPIC_FILTER_INVALID);
                continue;
            }
            if (!config.wildcardSubscriptionAvailable() && Topics.hasWildcard(topicFilter)) {
                codes[i] = failure(v5, ReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED);
                continue;
            }
            int granted = Math.min(t.qos(), config.maximumQoS());
            Subscription s = new Subscription(session, filter, topicFilter, group, granted, t.noLocal(),
                t.retainAsPublished(), t.retainHandling(), subscriptionId);
            Subscription previous = session.addSubscription(s);
            added[i] = s;
            replaced[i] = previous;
            codes[i] = granted;
            if (group != null) {
                sharedAdded.add(s); // retained messages are not sent to shared subscriptions (section 4.8.2)
            } else if (t.retainHandling() == 0 || (t.retainHandling() == 1 && previous == null)) {
                retainedFor.add(s); // [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11]
            }
        }
        // [MQTT-3.8.4-1] SUBACK with the same packet identifier, one code per filter [MQTT-3.8.4-6],
        // once the subscriptions are durable; refused or not written, memory goes back to what the disk has
        c.services().store().afterDurable(mark, ok -> {
            if (!ok) {
                session.execute(() -> {
                    for (int i = 0; i < codes.length; i++) {
                        if (added[i] != null) {
                            session.forgetSubscription(added[i]);
                            if (replaced[i] != null) {
                                session.restoreSubscription(replaced[i]);
                            }
                        }
                    }
                });
                for (int i = 0; i < codes.length; i++) {
                    if (added[i] != null) {
                        codes[i] = failure(v5, ReasonCode.QUOTA_EXCEEDED);
                    }
                }
                retainedFor.clear();
                sharedAdded.clear();
            }
            if (c.isClosing()) {
                return;
            }
            c.write(PacketEncoder.subAck(c.alloc(), c.version(), PacketType.SUBACK, p.packetId(), codes, Properties.EMPTY));
            for (Subscription s : retainedFor) {
                c.services().router().sendRetained(s);
            }
            for (Subscription s : sharedAdded) {
                SharedGroup g = c.services().router().subscriptions().sharedGroup(s.shareGroup(), s.topicFilter());
                if (g != null) {
                    c.services().router().drainShared(g);
                }
            }
        });
    }

    private static int failure(boolean v5, ReasonCode reason) {
        return v5 ? reason.code() : 0x80;
    }
}
