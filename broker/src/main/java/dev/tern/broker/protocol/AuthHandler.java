package dev.tern.broker.protocol;

/**
 * AUTH (section 3.15). No enhanced authentication method is offered yet (a CONNECT naming one is
 * refused with 0x8C), so an AUTH packet can only be a protocol error.
 */
public final class AuthHandler {

    void handle(MqttConnection c, AuthPacket p) {
        // section 4.12: AUTH is only valid within an enhanced authentication exchange
        Disconnector.disconnect(c, ReasonCode.PROTOCOL_ERROR, "AUTH without an enhanced authentication method");
    }
}
