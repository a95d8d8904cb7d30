package dev.tern.broker.protocol;

/**
 * DISCONNECT from the client (section 3.14): discards the will when the reason is 0x00, applies a
 * new Session Expiry Interval, and closes.
 */
public final class DisconnectHandler {
    private static final long V5_NEVER = 0xFFFFFFFFL;

    void handle(MqttConnection c, DisconnectPacket p) {
        long expiry = p.properties().sessionExpiryInterval();
        if (expiry >= 0) {
            if (c.connectSessionExpiry() == 0 && expiry != 0) {
                // [MQTT-3.14.2-2] expiry 0 at CONNECT cannot become non-zero at DISCONNECT
                Disconnector.disconnect(c, ReasonCode.PROTOCOL_ERROR,
                    "session expiry was 0 at CONNECT and cannot be changed at DISCONNECT");
                return;
            }
            c.session().expirySeconds(expiry == V5_NEVER ? dev.tern.broker.session.Session.NEVER : expiry);
        }
        // [MQTT-3.14.4-3] only reason 0x00 discards the will: 0x04 asks for it, and a client ending
        // with an error code (0x80 and above) has not disconnected normally [MQTT-3.1.2-8]
        c.clientDisconnected(p.reasonCode() != ReasonCode.SUCCESS.code());
    }
}
