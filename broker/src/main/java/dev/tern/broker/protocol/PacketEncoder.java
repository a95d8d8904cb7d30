package dev.tern.broker.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes the packets a server sends. Each method sizes the packet exactly first, allocates one
 * buffer and writes into it; PUBLISH can instead write only its header and let the shared payload
 * buffer follow it on the wire.
 */
public final class PacketEncoder {
    private static final byte[] PINGRESP = {(byte) 0xD0, 0x00};

    private PacketEncoder() {
    }

    // --- CONNACK ------------------------------------------------------------------------------

    /** CONNACK (section 3.2). For MQTT 3.x {@code reasonCode} is the 3.x return code. */
    public static ByteBuf connack(ByteBufAllocator alloc, MqttVersion version, boolean sessionPresent,
                                  int reasonCode, Properties props) {
        boolean v5 = version != null && version.isV5();
        int propsLength = v5 ? propertiesLength(props) : 0;
        int remaining = 2 + (v5 ? varintSize(propsLength) + propsLength : 0);
        ByteBuf buf = alloc.buffer(1 + varintSize(remaining) + remaining);
        buf.writeByte(PacketType.CONNACK << 4);
        writeVarint(buf, remaining);
        buf.writeByte(sessionPresent ? 1 : 0);
        buf.writeByte(reasonCode);
        if (v5) {
            writeProperties(buf, props, propsLength);
        }
        return buf;
    }

    // --- PUBLISH ------------------------------------------------------------------------------

    /**
     * What differs per subscriber when a message is sent: everything in the fixed and variable
     * header except the message's own properties.
     *
     * @param topic           UTF-8 bytes of the topic name; empty when {@code topicAlias} alone names it
     * @param topicAlias      the alias to send, or 0 for none
     * @param messageExpiry   the remaining expiry in seconds to send, or -1 for none
     * @param subscriptionIds the matching subscription identifiers, or null
     */
    public record PublishHeader(byte[] topic, int qos, boolean retain, boolean dup, int packetId, int topicAlias,
                                long messageExpiry, int[] subscriptionIds) {
    }

    /** The total size of a PUBLISH on the wire, to check against a client's Maximum Packet Size. */
    public static long publishSize(boolean v5, PublishHeader h, Properties props, int payloadLength) {
        int remaining = publishRemainingLength(v5, h, props, payloadLength);
        return 1L + varintSize(remaining) + remaining;
    }

    private static int publishRemainingLength(boolean v5, PublishHeader h, Properties props, int payloadLength) {
        int len = 2 + h.topic().length + (h.qos() > 0 ? 2 : 0) + payloadLength;
        if (v5) {
            int p = publishPropertiesLength(h, props);
            len += varintSize(p) + p;
        }
        return len;
    }

    /**
     * Writes a whole PUBLISH. With {@code payload} null only the header is written and the caller
     * writes the payload buffer after it.
     */
    public static ByteBuf publish(ByteBufAllocator alloc, boolean v5, PublishHeader h, Properties props,
                                  ByteBuf payload, int payloadLength) {
        int propsLength = v5 ? publishPropertiesLength(h, props) : 0;
        int remaining = 2 + h.topic().length + (h.qos() > 0 ? 2 : 0) + payloadLength
            + (v5 ? varintSize(propsLength) + propsLength : 0);
        int headerSize = 1 + varintSize(remaining) + remaining - payloadLength;
        ByteBuf buf = alloc.buffer(payload != null ? headerSize + payloadLength : headerSize);
        buf.writeByte((PacketType.PUBLISH << 4) | (h.dup() ? 0x08 : 0) | (h.qos() << 1) | (h.retain() ? 1 : 0));
        writeVarint(buf, remaining);
        buf.writeShort(h.topic().length);
        buf.writeBytes(h.topic());
        if (h.qos() > 0) {
            buf.writeShort(h.packetId());
        }
        if (v5) {
            writeVarint(buf, propsLength);
            writePublishProperties(buf, h, props);
        }
        if (payload != null) {
            buf.writeBytes(payload, payload.readerIndex(), payloadLength);
        }
        return buf;
    }

    private static int publishPropertiesLength(PublishHeader h, Properties p) {
        int len = 0;
        if (p.payloadFormatIndicator() >= 0) {
            len += 2;
        }
        if (h.messageExpiry() >= 0) {
            len += 5;
        }
        if (h.topicAlias() > 0) {
            len += 3;
        }
        len += stringProperty(p.responseTopic()) + binaryProperty(p.correlationData()) + stringProperty(p.contentType());
        len += userPropertiesLength(p.userProperties());
        int[] ids = h.subscriptionIds();
        if (ids != null) {
            for (int id : ids) {
                len += 1 + varintSize(id);
            }
        }
        return len;
    }

    private static void writePublishProperties(ByteBuf buf, PublishHeader h, Properties p) {
        if (p.payloadFormatIndicator() >= 0) {
            buf.writeByte(Property.PAYLOAD_FORMAT_INDICATOR.id()).writeByte(p.payloadFormatIndicator());
        }
        if (h.messageExpiry() >= 0) {
            buf.writeByte(Property.MESSAGE_EXPIRY_INTERVAL.id()).writeInt((int) h.messageExpiry());
        }
        if (h.topicAlias() > 0) {
            buf.writeByte(Property.TOPIC_ALIAS.id()).writeShort(h.topicAlias());
        }
        writeString(buf, Property.RESPONSE_TOPIC, p.responseTopic());
        writeBinary(buf, Property.CORRELATION_DATA, p.correlationData());
        writeString(buf, Property.CONTENT_TYPE, p.contentType());
        writeUserProperties(buf, p.userProperties());
        int[] ids = h.subscriptionIds();
        if (ids != null) {
            for (int id : ids) {
                buf.writeByte(Property.SUBSCRIPTION_IDENTIFIER.id());
                writeVarint(buf, id);
            }
        }
    }

    // --- acknowledgements ---------------------------------------------------------------------

    /**
     * PUBACK, PUBREC, PUBREL or PUBCOMP. In MQTT 5 the reason code and properties are left out when
     * the reason is success and there are no properties (section 3.4.2.1).
     */
    public static ByteBuf ack(ByteBufAllocator alloc, MqttVersion version, int type, int packetId,
                              int reasonCode, Properties props) {
        int flags = type == PacketType.PUBREL ? 0x02 : 0;
        boolean v5 = version.isV5();
        int propsLength = v5 ? propertiesLength(props) : 0;
        int remaining = 2;
        if (v5 && (reasonCode != 0 || propsLength > 0)) {
            remaining += 1;
            if (propsLength > 0) {
                remaining += varintSize(propsLength) + propsLength;
            }
        }
        ByteBuf buf = alloc.buffer(2 + remaining);
        buf.writeByte((type << 4) | flags);
        writeVarint(buf, remaining);
        buf.writeShort(packetId);
        if (remaining > 2) {
            buf.writeByte(reasonCode);
            if (propsLength > 0) {
                writeProperties(buf, props, propsLength);
            }
        }
        return buf;
    }

    /** SUBACK or UNSUBACK: one reason code per topic filter (UNSUBACK has none in 3.x). */
    public static ByteBuf subAck(ByteBufAllocator alloc, MqttVersion version, int type, int packetId,
                                 int[] reasonCodes, Properties props) {
        boolean v5 = version.isV5();
        boolean codes = v5 || type == PacketType.SUBACK;
        int propsLength = v5 ? propertiesLength(props) : 0;
        int remaining = 2 + (v5 ? varintSize(propsLength) + propsLength : 0) + (codes ? reasonCodes.length : 0);
        ByteBuf buf = alloc.buffer(1 + varintSize(remaining) + remaining);
        buf.writeByte(type << 4);
        writeVarint(buf, remaining);
        buf.writeShort(packetId);
        if (v5) {
            writeProperties(buf, props, propsLength);
        }
        if (codes) {
            for (int rc : reasonCodes) {
                buf.writeByte(rc);
            }
        }
        return buf;
    }

    public static ByteBuf pingResp(ByteBufAllocator alloc) {
        return alloc.buffer(2).writeBytes(PINGRESP);
    }

    /** DISCONNECT from the server (MQTT 5 only; 3.x servers just close). */
    public static ByteBuf disconnect(ByteBufAllocator alloc, int reasonCode, Properties props) {
        int propsLength = propertiesLength(props);
        int remaining = 1 + (propsLength > 0 ? varintSize(propsLength) + propsLength : 0);
        ByteBuf buf = alloc.buffer(1 + varintSize(remaining) + remaining);
        buf.writeByte(PacketType.DISCONNECT << 4);
        writeVarint(buf, remaining);
        buf.writeByte(reasonCode);
        if (propsLength > 0) {
            writeProperties(buf, props, propsLength);
        }
        return buf;
    }

    /** AUTH (MQTT 5). */
    public static ByteBuf auth(ByteBufAllocator alloc, int reasonCode, Properties props) {
        int propsLength = propertiesLength(props);
        int remaining = 1 + varintSize(propsLength) + propsLength;
        ByteBuf buf = alloc.buffer(1 + varintSize(remaining) + remaining);
        buf.writeByte(PacketType.AUTH << 4);
        writeVarint(buf, remaining);
        buf.writeByte(reasonCode);
        writeProperties(buf, props, propsLength);
        return buf;
    }

    // --- generic properties (non-PUBLISH packets) ----------------------------------------------

    /** The encoded length of a property block's contents (without its own length prefix). */
    public static int propertiesLength(Properties p) {
        if (p == Properties.EMPTY) {
            return 0;
        }
        int len = 0;
        len += p.payloadFormatIndicator() >= 0 ? 2 : 0;
        len += p.messageExpiryInterval() >= 0 ? 5 : 0;
        len += stringProperty(p.contentType()) + stringProperty(p.responseTopic()) + binaryProperty(p.correlationData());
        if (p.subscriptionIdentifiers() != null) {
            for (int id : p.subscriptionIdentifiers()) {
                len += 1 + varintSize(id);
            }
        }
        len += p.sessionExpiryInterval() >= 0 ? 5 : 0;
        len += stringProperty(p.assignedClientIdentifier());
        len += p.serverKeepAlive() >= 0 ? 3 : 0;
        len += stringProperty(p.authenticationMethod()) + binaryProperty(p.authenticationData());
        len += p.requestProblemInformation() >= 0 ? 2 : 0;
        len += p.willDelayInterval() >= 0 ? 5 : 0;
        len += p.requestResponseInformation() >= 0 ? 2 : 0;
        len += stringProperty(p.responseInformation()) + stringProperty(p.serverReference())
            + stringProperty(p.reasonString());
        len += p.receiveMaximum() >= 0 ? 3 : 0;
        len += p.topicAliasMaximum() >= 0 ? 3 : 0;
        len += p.topicAlias() >= 0 ? 3 : 0;
        len += p.maximumQoS() >= 0 ? 2 : 0;
        len += p.retainAvailable() >= 0 ? 2 : 0;
        len += userPropertiesLength(p.userProperties());
        len += p.maximumPacketSize() >= 0 ? 5 : 0;
        len += p.wildcardSubscriptionAvailable() >= 0 ? 2 : 0;
        len += p.subscriptionIdentifierAvailable() >= 0 ? 2 : 0;
        len += p.sharedSubscriptionAvailable() >= 0 ? 2 : 0;
        return len;
    }

    /** A property block (length prefix included) as bytes, for storage. */
    public static byte[] propertiesBytes(Properties p) {
        int length = propertiesLength(p);
        ByteBuf buf = io.netty.buffer.Unpooled.buffer(varintSize(length) + length);
        writeProperties(buf, p, length);
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }

    private static void writeProperties(ByteBuf buf, Properties p, int length) {
        writeVarint(buf, length);
        if (length == 0) {
            return;
        }
        writeByteProperty(buf, Property.PAYLOAD_FORMAT_INDICATOR, p.payloadFormatIndicator());
        writeFourProperty(buf, Property.MESSAGE_EXPIRY_INTERVAL, p.messageExpiryInterval());
        writeString(buf, Property.CONTENT_TYPE, p.contentType());
        writeString(buf, Property.RESPONSE_TOPIC, p.responseTopic());
        writeBinary(buf, Property.CORRELATION_DATA, p.correlationData());
        if (p.subscriptionIdentifiers() != null) {
            for (int id : p.subscriptionIdentifiers()) {
                buf.writeByte(Property.SUBSCRIPTION_IDENTIFIER.id());
                writeVarint(buf, id);
            }
        }
        writeFourProperty(buf, Property.SESSION_EXPIRY_INTERVAL, p.sessionExpiryInterval());
        writeString(buf, Property.ASSIGNED_CLIENT_IDENTIFIER, p.assignedClientIdentifier());
        writeTwoProperty(buf, Property.SERVER_KEEP_ALIVE, p.serverKeepAlive());
        writeString(buf, Property.AUTHENTICATION_METHOD, p.authenticationMethod());
        writeBinary(buf, Property.AUTHENTICATION_DATA, p.authenticationData());
        writeByteProperty(buf, Property.REQUEST_PROBLEM_INFORMATION, p.requestProblemInformation());
        writeFourProperty(buf, Property.WILL_DELAY_INTERVAL, p.willDelayInterval());
        writeByteProperty(buf, Property.REQUEST_RESPONSE_INFORMATION, p.requestResponseInformation());
        writeString(buf, Property.RESPONSE_INFORMATION, p.responseInformation());
        writeString(buf, Property.SERVER_REFERENCE, p.serverReference());
        writeString(buf, Property.REASON_STRING, p.reasonString());
        writeTwoProperty(buf, Property.RECEIVE_MAXIMUM, p.receiveMaximum());
        writeTwoProperty(buf, Property.TOPIC_ALIAS_MAXIMUM, p.topicAliasMaximum());
        writeTwoProperty(buf, Property.TOPIC_ALIAS, p.topicAlias());
        writeByteProperty(buf, Property.MAXIMUM_QOS, p.maximumQoS());
        writeByteProperty(buf, Property.RETAIN_AVAILABLE, p.retainAvailable());
        writeUserProperties(buf, p.userProperties());
        writeFourProperty(buf, Property.MAXIMUM_PACKET_SIZE, p.maximumPacketSize());
        writeByteProperty(buf, Property.WILDCARD_SUBSCRIPTION_AVAILABLE, p.wildcardSubscriptionAvailable());
        writeByteProperty(buf, Property.SUBSCRIPTION_IDENTIFIER_AVAILABLE, p.subscriptionIdentifierAvailable());
        writeByteProperty(buf, Property.SHARED_SUBSCRIPTION_AVAILABLE, p.sharedSubscriptionAvailable());
    }

    private static void writeByteProperty(ByteBuf buf, Property prop, int v) {
        if (v >= 0) {
            buf.writeByte(prop.id()).writeByte(v);
        }
    }

    private static void writeTwoProperty(ByteBuf buf, Property prop, int v) {
        if (v >= 0) {
            buf.writeByte(prop.id()).writeShort(v);
        }
    }

    private static void writeFourProperty(ByteBuf buf, Property prop, long v) {
        if (v >= 0) {
            buf.writeByte(prop.id()).writeInt((int) v);
        }
    }

    private static int stringProperty(String s) {
        return s == null ? 0 : 3 + ByteBufUtil.utf8Bytes(s);
    }

    private static int binaryProperty(byte[] b) {
        return b == null ? 0 : 3 + b.length;
    }

    private static int userPropertiesLength(List<UserProperty> list) {
        int len = 0;
        for (UserProperty u : list) {
            len += 5 + ByteBufUtil.utf8Bytes(u.name()) + ByteBufUtil.utf8Bytes(u.value());
        }
        return len;
    }

    private static void writeUserProperties(ByteBuf buf, List<UserProperty> list) {
        for (UserProperty u : list) {
            buf.writeByte(Property.USER_PROPERTY.id());
            writeUtf8(buf, u.name());
            writeUtf8(buf, u.value());
        }
    }

    private static void writeString(ByteBuf buf, Property prop, String s) {
        if (s != null) {
            buf.writeByte(prop.id());
            writeUtf8(buf, s);
        }
    }

    private static void writeBinary(ByteBuf buf, Property prop, byte[] b) {
        if (b != null) {
            buf.writeByte(prop.id());
            buf.writeShort(b.length);
            buf.writeBytes(b);
        }
    }

    static void writeUtf8(ByteBuf buf, String s) {
        int lengthIndex = buf.writerIndex();
        buf.writeShort(0);
        int written = ByteBufUtil.reserveAndWriteUtf8(buf, s, ByteBufUtil.utf8MaxBytes(s));
        buf.setShort(lengthIndex, written);
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static int varintSize(int v) {
        if (v < 128) {
            return 1;
        } else if (v < 16384) {
            return 2;
        } else if (v < 2097152) {
            return 3;
        }
        return 4;
    }

    public static void writeVarint(ByteBuf buf, int v) {
        do {
            int digit = v & 0x7F;
            v >>>= 7;
            buf.writeByte(v > 0 ? digit | 0x80 : digit);
        } while (v > 0);
    }
}
