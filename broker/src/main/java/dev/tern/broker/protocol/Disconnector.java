package dev.tern.broker.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns "this connection must end" into bytes: CONNACK with a reason code
 * (refused CONNECT), DISCONNECT with a reason code and reason string (MQTT 5), or a plain close
 * (MQTT 3.x, which has no server DISCONNECT). It logs each ending once, with client id, address,
 * reason code and why.
 */
public final class Disconnector {
    private static final Logger LOG = LoggerFactory.getLogger(Disconnector.class);
    private static final byte[] CONNACK_V3_UNACCEPTABLE_PROTOCOL = {0x20, 0x02, 0x00, 0x01};

    private Disconnector() {
    }

    /** A decode failure: refuse the CONNECT or end the connection, as the specification says. */
    static void decodeFailure(MqttConnection c, DecodeFailure f) {
        c.metrics().protocolErrors.increment();
        if (c.state() == MqttConnection.State.AWAIT_CONNECT) {
            if (f.reasonCode() == ReasonCode.UNSUPPORTED_PROTOCOL_VERSION) {
                // [MQTT-3.1.2-2] CONNACK 0x01 (unacceptable protocol level), in the 3.1.1 format every client reads
                log(c, "refused CONNECT", f.reasonCode(), f.message());
                c.closeAfter(c.alloc().buffer(4).writeBytes(CONNACK_V3_UNACCEPTABLE_PROTOCOL));
                return;
            }
            if (f.packetType() == PacketType.CONNECT && f.version() != null && f.version().isV5()) {
                refuseConnect(c, f.version(), f.reasonCode(), f.message());
                return;
            }
            // [MQTT-3.1.4-1] a CONNECT that does not match the format: close without CONNACK
            log(c, "closed before CONNECT completed", f.reasonCode(), f.message());
            c.close();
            return;
        }
        disconnect(c, f.reasonCode(), f.message());
    }

    /** Answers CONNECT with an error and closes [MQTT-3.2.2-6] [MQTT-3.2.2-7]. */
    static void refuseConnect(MqttConnection c, MqttVersion version, ReasonCode reason, String why) {
        c.metrics().connectionsRefused.increment();
        log(c, "refused CONNECT", reason, why);
        if (version.isV5()) {
            Properties props = new Properties().reasonString(why).freeze();
            ByteBuf packet = PacketEncoder.connack(c.alloc(), version, false, reason.code(), props);
            if (packet.readableBytes() > c.clientMaximumPacketSize()) {
                packet.release(); // [MQTT-3.2.2-19]: leave out the reason string to fit
                packet = PacketEncoder.connack(c.alloc(), version, false, reason.code(), Properties.EMPTY);
            }
            c.closeAfter(packet);
        } else if (hasNoV3ReturnCode(reason)) {
            // [MQTT-3.2.2-6] no 3.x return code applies (a will topic, QoS or retain the server cannot
            // take): close without CONNACK rather than claim "server unavailable"
            c.close();
        } else {
            c.closeAfter(PacketEncoder.connack(c.alloc(), version, false, reason.connackReturnCodeV3(), Properties.EMPTY));
        }
    }

    private static boolean hasNoV3ReturnCode(ReasonCode reason) {
        return switch (reason) {
            case TOPIC_NAME_INVALID, QOS_NOT_SUPPORTED, RETAIN_NOT_SUPPORTED, PAYLOAD_FORMAT_INVALID, MALFORMED_PACKET,
                 PROTOCOL_ERROR -> true;
            default -> false;
        };
    }

    /**
     * Ends a connected client's connection: MQTT 5 gets DISCONNECT with the reason code and a
     * reason string; MQTT 3.x is closed [MQTT-4.8.0-1]. The will is published unless the client
     * had sent a normal DISCONNECT.
     */
    public static void disconnect(MqttConnection c, ReasonCode reason, String why) {
        if (c.isClosing()) {
            return;
        }
        if (reason != ReasonCode.SESSION_TAKEN_OVER && reason != ReasonCode.SERVER_SHUTTING_DOWN) {
            log(c, "disconnected", reason, why);
        }
        MqttVersion v = c.version();
        if (v != null && v.isV5() && c.state() == MqttConnection.State.CONNECTED) {
            Properties props = new Properties().reasonString(why).freeze();
            ByteBuf packet = PacketEncoder.disconnect(c.alloc(), reason.code(), props);
            if (packet.readableBytes() > c.clientMaximumPacketSize()) {
                packet.release(); // [MQTT-3.1.2-25]: leave out the reason string to fit
                packet = PacketEncoder.disconnect(c.alloc(), reason.code(), Properties.EMPTY);
            }
            c.closeAfter(packet);
        } else {
            c.close();
        }
    }

    private static void log(MqttConnection c, String what, ReasonCode reason, String why) {
        LOG.info("{} client '{}' from {}: {} {} ({})", what, c.clientIdOrUnknown(), c.remoteAddress(),
            reason.hex(), reason.name().toLowerCase().replace('_', ' '), why);
    }
}
