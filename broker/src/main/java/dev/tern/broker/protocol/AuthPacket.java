package dev.tern.broker.protocol;

/** AUTH (section 3.15), MQTT 5 only. */
public record AuthPacket(int reasonCode, Properties properties) implements Packet {
    @Override
    public int type() {
        return PacketType.AUTH;
    }
}
