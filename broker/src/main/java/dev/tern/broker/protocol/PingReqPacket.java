package dev.tern.broker.protocol;

/** PINGREQ (section 3.12). */
public record PingReqPacket() implements Packet {
    public static final PingReqPacket INSTANCE = new PingReqPacket();

    @Override
    public int type() {
        return PacketType.PINGREQ;
    }
}
