package dev.tern.broker.protocol;

/**
 * CONNECT (section 3.1).
 *
 * @param password null when the password flag is 0
 * @param username null when the user name flag is 0
 * @param will     null when the will flag is 0
 */
public record ConnectPacket(MqttVersion version, String clientId, boolean cleanStart, int keepAlive,
                            Properties properties, Will will, String username, byte[] password) implements Packet {

    /** The will message carried in CONNECT. */
    public record Will(String topic, byte[] payload, int qos, boolean retain, Properties properties) {
    }

    @Override
    public int type() {
        return PacketType.CONNECT;
    }
}
