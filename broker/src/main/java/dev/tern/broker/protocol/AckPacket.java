package dev.tern.broker.protocol;

/**
 * PUBACK, PUBREC, PUBREL or PUBCOMP (sections 3.4 to 3.7): a packet identifier, and in MQTT 5 a
 * reason code and properties.
 */
public record AckPacket(int type, int packetId, int reasonCode, Properties properties) implements Packet {
}
