package dev.tern.broker.protocol;

/** DISCONNECT from a client (section 3.14). MQTT 3.x DISCONNECT reads as reason 0x00. */
public record DisconnectPacket(int reasonCode, Properties properties) implements Packet {
    @Override
    public int type() {
        return PacketType.DISCONNECT;
    }
}
