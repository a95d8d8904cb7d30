package dev.tern.bench;

import java.util.Locale;

/** The load shapes of {@code tern bench}, with the client counts each uses unless told otherwise. */
public enum Scenario {
    /** Publishers, each on its own topic, into one subscriber of a wildcard filter. */
    FAN_IN("fan-in", 4, 1),
    /** One publisher to many subscribers of the same topic. */
    FAN_OUT("fan-out", 1, 50),
    /** Independent publisher/subscriber pairs, one topic per pair. */
    PAIRS("pairs", 20, 20),
    /** Publishers into one shared subscription ($share/bench/...) with several members. */
    SHARED("shared", 4, 4),
    /** QoS 1/2 messages into offline persistent sessions (clean start = false), then delivered when they come back. */
    PERSISTENT("persistent", 1, 10),
    /** Many connected clients doing nothing: what each costs the broker in memory. */
    IDLE("idle", 0, 0),
    /** Many clients connecting at once: connects per second and time to CONNACK. */
    STORM("storm", 0, 0);

    private final String id;
    private final int publishers;
    private final int subscribers;

    Scenario(String id, int publishers, int subscribers) {
        this.id = id;
        this.publishers = publishers;
        this.subscribers = subscribers;
    }

    public String id() {
        return id;
    }

    int defaultPublishers() {
        return publishers;
    }

    int defaultSubscribers() {
        return subscribers;
    }

    public static Scenario of(String id) {
        for (Scenario s : values()) {
            if (s.id.equals(id.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario " + id);
    }
}
