package dev.tern.broker.protocol;

import dev.tern.broker.routing.Topics;
import dev.tern.broker.session.Session;

/** UNSUBSCRIBE (section 3.10): removes each filter and answers UNSUBACK. */
public final class UnsubscribeHandler {

    void handle(MqttConnection c, UnsubscribePacket p) {
        Session session = c.session();
        int maxTopicLength = c.config().maxTopicLength();
        int[] codes = new int[p.filters().size()];
        for (int i = 0; i < codes.length; i++) {
            String filter = p.filters().get(i);
            if (!validFilter(filter, maxTopicLength)) {
                // no subscription can have this filter: MQTT 5 says why (0x8F); 3.x UNSUBACK has no codes
                codes[i] = ReasonCode.TOPIC_FILTER_INVALID.code();
                continue;
            }
            boolean existed = session.removeSubscription(filter) != null;
            codes[i] = existed ? 0 : ReasonCode.NO_SUBSCRIPTION_EXISTED.code();
        }
        // [MQTT-3.10.4-4] UNSUBACK even when nothing was removed [MQTT-3.10.4-5]
        c.write(PacketEncoder.subAck(c.alloc(), c.version(), PacketType.UNSUBACK, p.packetId(), codes, Properties.EMPTY));
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
