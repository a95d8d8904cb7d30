package dev.tern.broker.protocol;

import dev.tern.broker.session.Session;

/** UNSUBSCRIBE (section 3.10): removes each filter and answers UNSUBACK. */
public final class UnsubscribeHandler {

    void handle(MqttConnection c, UnsubscribePacket p) {
        Session session = c.session();
        int[] codes = new int[p.filters().size()];
        for (int i = 0; i < codes.length; i++) {
            boolean existed = session.removeSubscription(p.filters().get(i)) != null;
            codes[i] = existed ? 0 : ReasonCode.NO_SUBSCRIPTION_EXISTED.code();
        }
        // [MQTT-3.10.4-4] UNSUBACK even when nothing was removed [MQTT-3.10.4-5]
        c.write(PacketEncoder.subAck(c.alloc(), c.version(), PacketType.UNSUBACK, p.packetId(), codes, Properties.EMPTY));
    }
}
