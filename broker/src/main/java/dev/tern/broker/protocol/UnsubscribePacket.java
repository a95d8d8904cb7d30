package dev.tern.broker.protocol;

import java.util.List;

/** UNSUBSCRIBE (section 3.10). */
public record UnsubscribePacket(int packetId, Properties properties, List<String> filters) implements Packet {
    @Override
    public int type() {
        return PacketType.UNSUBSCRIBE;
    }
}
