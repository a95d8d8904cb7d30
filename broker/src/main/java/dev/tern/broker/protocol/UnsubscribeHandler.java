package dev.tern.broker.protocol;

import dev.tern.broker.routing.Subscription;
import dev.tern.broker.routing.Topics;
import dev.tern.broker.session.Session;

/**
 * UNSUBSCRIBE (section 3.10): removes each filter and answers UNSUBACK once the removals are
 * durable. When the store cannot write them the subscriptions stay (in memory as on disk): MQTT 5
 * gets 0x80 for each, MQTT 3.x, which has no negative UNSUBACK, is disconnected.
 */
public final class UnsubscribeHandler {

    void handle(MqttConnection c, UnsubscribePacket p) {
        Session session = c.session();
        int maxTopicLength = c.config().maxTopicLength();
        int[] codes = new int[p.filters().size()];
        Subscription[] removed = new Subscription[codes.length];
        for (int i = 0; i < codes.length; i++) {
            String filter = p.filters().get(i);
            if (!validFilter(filter, maxTopicLength)) {
                // no subscription can have this filter: MQTT 5 says why (0x8F); 3.x UNSUBACK has no codes
                codes[i] = ReasonCode.TOPIC_FILTER_INVALID.code();
                continue;
            }
            removed[i] = session.removeSubscription(filter);
            codes[i] = removed[i] != null ? 0 : ReasonCode.NO_SUBSCRIPTION_EXISTED.code();
        }
        c.services().store().afterDurable(ok -> {
            if (!ok) {
                session.execute(() -> {
                    for (Subscription s : removed) {
                        if (s != null) {
                            session.restoreSubscription(s);
                        }
                    }
                });
                if (c.isClosing()) {
                    return;
                }
                if (!c.version().isV5()) {
                    Disconnector.disconnect(c, ReasonCode.UNSPECIFIED_ERROR, "the store cannot write (disk full?)");
                    return;
                }
                for (int i = 0; i < codes.length; i++) {
                    if (removed[i] != null) {
                        codes[i] = ReasonCode.UNSPECIFIED_ERROR.code();
                    }
                }
            }
            if (!c.isClosing()) {
                // [MQTT-3.10.4-4] UNSUBACK even when nothing was removed [MQTT-3.10.4-5]
                c.write(PacketEncoder.subAck(c.alloc(), c.version(), PacketType.UNSUBACK, p.packetId(), codes,
                    Properties.EMPTY));
            }
        });
    }

    private static boolean validFilter(String filter, int maxTopicLength) {
        if (Topics.isShared(filter)) {
            try {
                Topics.parseShared(filter, maxTopicLength);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return Topics.checkTopicFilter(filter, maxTopicLength) == null;
    }
}
