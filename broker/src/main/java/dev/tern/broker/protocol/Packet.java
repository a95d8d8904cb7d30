package dev.tern.broker.protocol;

/**
 * A control packet a client sends to the server, as the decoder hands it to the handlers. Packets
 * the server only sends (CONNACK, SUBACK, ...) are encoded straight to bytes by {@link PacketEncoder}.
 */
public sealed interface Packet permits ConnectPacket, PublishPacket, AckPacket, SubscribePacket,
    UnsubscribePacket, PingReqPacket, DisconnectPacket, AuthPacket {

    int type();
}
