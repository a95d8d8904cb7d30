package dev.tern.broker.protocol;

import java.util.List;

/** SUBSCRIBE (section 3.8). */
public record SubscribePacket(int packetId, Properties properties, List<TopicSubscription> subscriptions)
    implements Packet {

    /** One topic filter with its subscription options (section 3.8.3.1). */
    public record TopicSubscription(String filter, int qos, boolean noLocal, boolean retainAsPublished,
                                    int retainHandling) {
    }

    @Override
    public int type() {
        return PacketType.SUBSCRIBE;
    }

    /** The subscription identifier, or 0 when the packet carries none. */
    public int subscriptionIdentifier() {
        int[] ids = properties.subscriptionIdentifiers();
        return ids == null ? 0 : ids[0];
    }
}
