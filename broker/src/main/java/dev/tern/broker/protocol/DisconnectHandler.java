package dev.tern.broker.protocol;

/**
 * DISCONNECT from the client (section 3.14): discards the will unless the reason is 0x04, applies a
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
        // [MQTT-3.14.4-3] a normal DISCONNECT discards the will; 0x04 asks for it to be published
        c.clientDisconnected(p.reasonCode() == ReasonCode.DISCONNECT_WITH_WILL.code());
    }
}
