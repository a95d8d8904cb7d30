package dev.tern.broker.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into MQTT frames and decodes each into a {@link Packet}, or into a
 * {@link DecodeFailure} when the bytes break the specification. After the first failure it stops
 * decoding and discards input: the connection is about to be closed.
 *
 * <p>Threading: one instance per channel, used only on the channel's event loop.
 */
public final class MqttFrameDecoder extends ByteToMessageDecoder {
    /** The pipeline name of this handler. */
    public static final String NAME = "mqtt-decoder";

    private final long maximumPacketSize;
    private final TopicCache topics;
    private MqttVersion version;
    private boolean failed;

    /**
     * @param maximumPacketSize the largest whole packet the server accepts, in bytes
     * @param topics            the connection's topic cache, shared with its {@link MqttConnection}
     */
    public MqttFrameDecoder(long maximumPacketSize, TopicCache topics) {
        this.maximumPacketSize = maximumPacketSize;
        this.topics = topics;
    }

    public MqttFrameDecoder(long maximumPacketSize) {
        this(maximumPacketSize, null);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!failed) {
            if (in.readableBytes() < 2) {
                return;
            }
            int start = in.readerIndex();
            int header = in.getUnsignedByte(start);
            int remaining = 0;
            int headerLength = 1;
            boolean complete = false;
            for (int i = 0; i < 4; i++) {
                if (start + headerLength >= in.writerIndex()) {
                    return; // the remaining length itself is not all here yet
                }
                int digit = in.getUnsignedByte(start + headerLength);
                headerLength++;
                remaining |= (digit & 0x7F) << (7 * i);
                if ((digit & 0x80) == 0) {
                    complete = true;
                    break;
                }
            }
            int type = header >>> 4;
            if (version == null && type != PacketType.CONNECT) {
                // [MQTT-3.1.0-1] the first packet from the client must be CONNECT: refuse it on its
                // fixed header rather than wait for a body that may never come
                fail(in, out, new DecodeFailure(type, ReasonCode.PROTOCOL_ERROR,
                    "first packet is " + PacketType.name(type) + ", not CONNECT", null));
                return;
            }
            if (!complete) {
                fail(in, out, new DecodeFailure(type, ReasonCode.MALFORMED_PACKET,
                    "remaining length longer than four bytes [MQTT-1.5.5-1]", version));
                return;
            }
            long total = (long) headerLength + remaining;
            if (total > maximumPacketSize) {
                // section 3.1.2.11.4 / 3.2.2.3.6: a packet above the server's Maximum Packet Size
                fail(in, out, new DecodeFailure(type, ReasonCode.PACKET_TOO_LARGE,
                    "packet of " + total + " bytes exceeds the maximum packet size " + maximumPacketSize, version));
                return;
            }
            if (in.readableBytes() < total) {
                return;
            }
            in.skipBytes(headerLength);
            ByteBuf body = in.readSlice(remaining);
            Object decoded = decodeFrame(header, body);
            if (decoded instanceof DecodeFailure failure) {
                fail(in, out, failure);
                return;
            }
            out.add(decoded);
        }
        in.skipBytes(in.readableBytes());
    }

    private Object decodeFrame(int header, ByteBuf body) {
        int type = header >>> 4;
        try {
            Packet packet = PacketDecoder.INSTANCE.decode(header, body, version, topics);
            if (packet instanceof ConnectPacket connect && version == null) {
                version = connect.version();
            }
            return packet;
        } catch (ProtocolViolation e) {
            return new DecodeFailure(type, e.reasonCode(), e.getMessage(), version);
        } catch (PacketDecoder.ConnectViolation e) {
            return new DecodeFailure(type, e.violation().reasonCode(), e.getMessage(), e.version());
        } catch (PacketDecoder.UnknownProtocolViolation e) {
            return new DecodeFailure(type,
                e.knownName() ? ReasonCode.UNSUPPORTED_PROTOCOL_VERSION : ReasonCode.PROTOCOL_ERROR,
                e.getMessage(), null);
        }
    }

    private void fail(ByteBuf in, List<Object> out, DecodeFailure failure) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(failure);
    }

    /** The protocol version of this connection, known once CONNECT has been decoded. */
    public MqttVersion version() {
        return version;
    }
}
