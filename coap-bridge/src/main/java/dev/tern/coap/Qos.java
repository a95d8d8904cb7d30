package dev.tern.coap;

import java.util.Locale;

/**
 * The QoS the bridge publishes at, named as in the reference gateway's setting
 * {@code gateway_coap_mqtt_bridge_default_message_qos}.
 */
public enum Qos {
    AT_MOST_ONCE(0),
    AT_LEAST_ONCE(1),
    EXACTLY_ONCE(2);

    private final int level;

    Qos(int level) {
        this.level = level;
    }

    public int level() {
        return level;
    }

    /** Accepts the reference names (any case) and the numbers 0, 1, 2; {@code null} if neither. */
    static Qos parse(String text) {
        String t = text.trim();
        for (Qos q : values()) {
            if (q.name().equals(t.toUpperCase(Locale.ROOT)) || Integer.toString(q.level).equals(t)) {
                return q;
            }
        }
        return null;
    }
}
