package dev.tern.broker.protocol;

/**
 * The decoder's result for a packet it could not accept: what went wrong, as a value.
 *
 * @param packetType the type from the fixed header, or 0 when the header itself was bad
 * @param reasonCode the MQTT 5 reason code the specification names for the violation
 * @param message    a sentence for the log and the reason string
 * @param version    the protocol version the failure happened under (null before CONNECT)
 */
public record DecodeFailure(int packetType, ReasonCode reasonCode, String message, MqttVersion version) {
}
