package dev.tern.broker.protocol;

/**
 * A packet that breaks the specification. It carries the reason code the specification names for
 * the violation and a sentence for the log and the MQTT 5 reason string. Thrown only inside the
 * decoder and validators, where it unwinds a half-parsed packet; the decoder turns it into a
 * {@link DecodeFailure} value before it reaches any handler. No stack trace: bad input is
 * expected, and filling one in per bad packet would make garbage input a cheap CPU attack.
 */
public final class ProtocolViolation extends RuntimeException {
    private final ReasonCode reasonCode;

    public ProtocolViolation(ReasonCode reasonCode, String message) {
        super(message, null, false, false);
        this.reasonCode = reasonCode;
    }

    public static ProtocolViolation malformed(String message) {
        return new ProtocolViolation(ReasonCode.MALFORMED_PACKET, message);
    }

    public static ProtocolViolation protocolError(String message) {
        return new ProtocolViolation(ReasonCode.PROTOCOL_ERROR, message);
    }

    public ReasonCode reasonCode() {
        return reasonCode;
    }
}
