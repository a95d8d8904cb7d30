package dev.tern.broker.protocol;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

import static dev.tern.broker.protocol.ProtocolViolation.malformed;
import static dev.tern.broker.protocol.ProtocolViolation.protocolError;

/**
 * Turns the body of one complete frame into a {@link Packet}, checking everything the
 * specification says a server must check: fixed-header flag bits, lengths, UTF-8, property
 * applicability and duplicates, option bits and packet identifiers. A violation throws
 * {@link ProtocolViolation}, which {@link MqttConnection} turns into a {@link DecodeFailure}.
 *
 * <p>Stateless: the protocol version comes from the caller, so one instance serves every connection.
 */
public final class PacketDecoder {
    public static final PacketDecoder INSTANCE = new PacketDecoder();

    private PacketDecoder() {
    }

    /**
     * Decodes a frame.
     *
     * @param header  the first byte of the fixed header
     * @param body    exactly the remaining-length bytes, positioned at the variable header
     * @param version the connection's protocol version, or null when this must be CONNECT
     */
    public Packet decode(int header, ByteBuf body, MqttVersion version) {
        return decode(header, body, version, null);
    }

    /** As {@link #decode(int, ByteBuf, MqttVersion)}, reusing the connection's last topic when it repeats. */
    public Packet decode(int header, ByteBuf body, MqttVersion version, TopicCache topics) {
        int type = header >>> 4;
        int flags = header & 0x0F;
        if (type == PacketType.CONNECT) {
            requireFlags(type, flags, 0);
            return decodeConnect(body);
        }
        boolean v5 = version != null && version.isV5();
        return switch (type) {
            case PacketType.PUBLISH -> decodePublish(flags, body, v5, topics);
            case PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBCOMP -> {
                requireFlags(type, flags, 0);
                yield decodeAck(type, body, v5);
            }
            case PacketType.PUBREL -> {
                // [MQTT-3.6.1-1] PUBREL fixed header flags are 0010
                requireFlags(type, flags, 2);
                yield decodeAck(type, body, v5);
            }
            case PacketType.SUBSCRIBE -> {
                // [MQTT-3.8.1-1] SUBSCRIBE fixed header flags are 0010
                requireFlags(type, flags, 2);
                yield decodeSubscribe(body, v5);
            }
            case PacketType.UNSUBSCRIBE -> {
                // [MQTT-3.10.1-1] UNSUBSCRIBE fixed header flags are 0010
                requireFlags(type, flags, 2);
                yield decodeUnsubscribe(body, v5);
            }
            case PacketType.PINGREQ -> {
                requireFlags(type, flags, 0);
                requireEmpty(type, body);
                yield PingReqPacket.INSTANCE;
            }
            case PacketType.DISCONNECT -> {
                requireFlags(type, flags, 0);
                yield decodeDisconnect(body, v5);
            }
            case PacketType.AUTH -> {
                if (!v5) {
                    // packet type 15 is reserved (forbidden) in MQTT 3.1.1, section 2.2.1
                    throw malformed("packet type 15 is reserved before MQTT 5");
                }
                requireFlags(type, flags, 0);
                yield decodeAuth(body);
            }
            case PacketType.CONNACK, PacketType.SUBACK, PacketType.UNSUBACK, PacketType.PINGRESP ->
                throw protocolError(PacketType.name(type) + " is sent only by a server");
            default -> throw malformed("packet type " + type + " is reserved");
        };
    }

    // --- CONNECT ------------------------------------------------------------------------------

    private ConnectPacket decodeConnect(ByteBuf b) {
        String protocolName = readString(b);
        int level = readByte(b);
        MqttVersion version = MqttVersion.of(protocolName, level);
        if (version == null) {
            if (!protocolName.equals("MQTT") && !protocolName.equals("MQIsdp")) {
                // [MQTT-3.1.2-1] an unknown protocol name: close without CONNACK
                throw new UnknownProtocolViolation(protocolName, level, false);
            }
            // [MQTT-3.1.2-2] a known name with a level we do not speak: CONNACK 0x01 / 0x84, then close
            throw new UnknownProtocolViolation(protocolName, level, true);
        }
        try {
            return decodeConnectBody(b, version);
        } catch (ProtocolViolation e) {
            throw new ConnectViolation(version, e);
        }
    }

    private ConnectPacket decodeConnectBody(ByteBuf b, MqttVersion version) {
        boolean v5 = version.isV5();
        int flags = readByte(b);
        if ((flags & 0x01) != 0) {
            throw malformed("CONNECT reserved flag bit 0 is set [MQTT-3.1.2-3]");
        }
        boolean cleanStart = (flags & 0x02) != 0;
        boolean willFlag = (flags & 0x04) != 0;
        int willQos = (flags >>> 3) & 0x03;
        boolean willRetain = (flags & 0x20) != 0;
        boolean passwordFlag = (flags & 0x40) != 0;
        boolean usernameFlag = (flags & 0x80) != 0;
        if (willQos == 3) {
            throw malformed("will QoS 3 is not a QoS [MQTT-3.1.2-14]");
        }
        if (!willFlag && (willQos != 0 || willRetain)) {
            throw malformed("will QoS and will retain must be 0 when the will flag is 0 [MQTT-3.1.2-11] [MQTT-3.1.2-13]");
        }
        if (!v5 && passwordFlag && !usernameFlag) {
            throw malformed("password flag without user name flag [MQTT-3.1.2-22]");
        }
        int keepAlive = readTwo(b);
        Properties props = v5 ? readProperties(b, PacketType.CONNECT) : Properties.EMPTY;
        // [MQTT-3.1.3-3] the client identifier is always present, possibly empty
        String clientId = readString(b);
        ConnectPacket.Will will = null;
        if (willFlag) {
            Properties willProps = v5 ? readProperties(b, PacketType.WILL) : Properties.EMPTY;
            String willTopic = readString(b);
            byte[] willPayload = readBinary(b);
            will = new ConnectPacket.Will(willTopic, willPayload, willQos, willRetain, willProps);
        }
        String username = usernameFlag ? readString(b) : null;
        byte[] password = passwordFlag ? readBinary(b) : null;
        requireEmpty(PacketType.CONNECT, b);
        return new ConnectPacket(version, clientId, cleanStart, keepAlive, props, will, username, password);
    }

    // --- PUBLISH ------------------------------------------------------------------------------

    private PublishPacket decodePublish(int flags, ByteBuf b, boolean v5, TopicCache topics) {
        boolean dup = (flags & 0x08) != 0;
        int qos = (flags >>> 1) & 0x03;
        boolean retain = (flags & 0x01) != 0;
        if (qos == 3) {
            throw malformed("PUBLISH QoS bits are 11 [MQTT-3.3.1-4]");
        }
        if (qos == 0 && dup) {
            throw malformed("DUP is set on a QoS 0 PUBLISH [MQTT-3.3.1-2]");
        }
        String topic = topics != null ? topics.read(b) : readString(b);
        int packetId = 0;
        if (qos > 0) {
            packetId = readTwo(b);
            if (packetId == 0) {
                throw v5 ? protocolError("packet identifier 0 [MQTT-2.2.1-3]") : malformed("packet identifier 0 [MQTT-2.3.1-1]");
            }
        }
        Properties props = v5 ? readProperties(b, PacketType.PUBLISH) : Properties.EMPTY;
        if (props.subscriptionIdentifiers() != null) {
            throw protocolError("a client PUBLISH carries a Subscription Identifier [MQTT-3.3.4-6]");
        }
        ByteBuf payload = b.readRetainedSlice(b.readableBytes());
        return new PublishPacket(topic, qos, retain, dup, packetId, props, payload);
    }

    // --- acknowledgements ---------------------------------------------------------------------

    private AckPacket decodeAck(int type, ByteBuf b, boolean v5) {
        int packetId = readTwo(b);
        if (packetId == 0) {
            throw v5 ? protocolError("packet identifier 0") : malformed("packet identifier 0");
        }
        if (!v5) {
            requireEmpty(type, b);
            return new AckPacket(type, packetId, 0, Properties.EMPTY);
        }
        int reason = 0;
        Properties props = Properties.EMPTY;
        if (b.isReadable()) {
            reason = readByte(b);
            boolean valid = type == PacketType.PUBACK || type == PacketType.PUBREC
                ? isPubAckReason(reason)
                : reason == 0x00 || reason == 0x92;
            if (!valid) {
                throw protocolError(PacketType.name(type) + " reason code " + hex(reason) + " is not defined for it");
            }
            if (b.isReadable()) {
                props = readProperties(b, type);
            }
        }
        requireEmpty(type, b);
        return new AckPacket(type, packetId, reason, props);
    }

    private static boolean isPubAckReason(int r) {
        return switch (r) {
            case 0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99 -> true;
            default -> false;
        };
    }

    // --- SUBSCRIBE / UNSUBSCRIBE --------------------------------------------------------------

    private SubscribePacket decodeSubscribe(ByteBuf b, boolean v5) {
        int packetId = readTwo(b);
        if (packetId == 0) {
            throw v5 ? protocolError("packet identifier 0") : malformed("packet identifier 0 [MQTT-2.3.1-1]");
        }
        Properties props = v5 ? readProperties(b, PacketType.SUBSCRIBE) : Properties.EMPTY;
        List<SubscribePacket.TopicSubscription> subs = new ArrayList<>(2);
        while (b.isReadable()) {
            String filter = readString(b);
            int options = readByte(b);
            int qos = options & 0x03;
            if (qos == 3) {
                throw malformed("subscription QoS 3 [MQTT-3.8.3-4]");
            }
            if (v5) {
                int retainHandling = (options >>> 4) & 0x03;
                if ((options & 0xC0) != 0) {
                    throw malformed("reserved subscription option bits are set [MQTT-3.8.3-5]");
                }
                if (retainHandling == 3) {
                    throw protocolError("retain handling 3 is not defined [MQTT-3.8.3-5]");
                }
                subs.add(new SubscribePacket.TopicSubscription(filter, qos, (options & 0x04) != 0,
                    (options & 0x08) != 0, retainHandling));
            } else {
                if ((options & 0xFC) != 0) {
                    throw malformed("reserved bits of the requested QoS byte are set [MQTT-3.8.3-4]");
                }
                subs.add(new SubscribePacket.TopicSubscription(filter, qos, false, false, 0));
            }
        }
        if (subs.isEmpty()) {
            throw v5 ? protocolError("SUBSCRIBE without a topic filter [MQTT-3.8.3-2]")
                : malformed("SUBSCRIBE without a topic filter [MQTT-3.8.3-3]");
        }
        return new SubscribePacket(packetId, props, subs);
    }

    private UnsubscribePacket decodeUnsubscribe(ByteBuf b, boolean v5) {
        int packetId = readTwo(b);
        if (packetId == 0) {
            throw v5 ? protocolError("packet identifier 0") : malformed("packet identifier 0 [MQTT-2.3.1-1]");
        }
        Properties props = v5 ? readProperties(b, PacketType.UNSUBSCRIBE) : Properties.EMPTY;
        List<String> filters = new ArrayList<>(2);
        while (b.isReadable()) {
            filters.add(readString(b));
        }
        if (filters.isEmpty()) {
            throw v5 ? protocolError("UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]")
                : malformed("UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]");
        }
        return new UnsubscribePacket(packetId, props, filters);
    }

    // --- DISCONNECT / AUTH --------------------------------------------------------------------

    private DisconnectPacket decodeDisconnect(ByteBuf b, boolean v5) {
        if (!v5) {
            requireEmpty(PacketType.DISCONNECT, b);
            return new DisconnectPacket(0, Properties.EMPTY);
        }
        int reason = 0;
        Properties props = Properties.EMPTY;
        if (b.isReadable()) {
            reason = readByte(b);
            if (!isClientDisconnectReason(reason)) {
                throw protocolError("DISCONNECT reason code " + hex(reason) + " is not defined for a client");
            }
            if (b.isReadable()) {
                props = readProperties(b, PacketType.DISCONNECT);
            }
        }
        requireEmpty(PacketType.DISCONNECT, b);
        return new DisconnectPacket(reason, props);
    }

    private static boolean isClientDisconnectReason(int r) {
        return switch (r) {
            case 0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A,
                 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2 -> true;
            default -> false;
        };
    }

    private AuthPacket decodeAuth(ByteBuf b) {
        int reason = 0;
        Properties props = Properties.EMPTY;
        if (b.isReadable()) {
            reason = readByte(b);
            if (reason != 0x00 && reason != 0x18 && reason != 0x19) {
                throw protocolError("AUTH reason code " + hex(reason) + " is not defined");
            }
            if (b.isReadable()) {
                props = readProperties(b, PacketType.AUTH);
            }
        }
        requireEmpty(PacketType.AUTH, b);
        return new AuthPacket(reason, props);
    }

    // --- properties ---------------------------------------------------------------------------

    /** Reads a property block, enforcing the property table and the no-duplicates rule. */
    public Properties readProperties(ByteBuf b, int packetType) {
        int length = readVarint(b);
        if (length == 0) {
            return Properties.EMPTY;
        }
        if (length > b.readableBytes()) {
            throw malformed("property length " + length + " runs past the end of the packet");
        }
        int end = b.readerIndex() + length;
        int writerIndex = b.writerIndex();
        // Bound reads to the property block, so a value cannot run into the payload.
        b.writerIndex(end);
        Properties p = new Properties();
        long seen = 0;
        List<UserProperty> user = null;
        try {
            while (b.isReadable()) {
                int id = readVarint(b);
                Property prop = Property.of(id);
                if (prop == null) {
                    throw malformed("unknown property identifier " + hex(id));
                }
                if (!prop.allowedIn(packetType)) {
                    throw protocolError("property " + prop + " is not allowed in " + PacketType.name(packetType));
                }
                if (prop == Property.USER_PROPERTY) {
                    if (user == null) {
                        user = new ArrayList<>(2);
                    }
                } else {
                    long bit = 1L << id;
                    if ((seen & bit) != 0) {
                        throw protocolError("property " + prop + " appears more than once in " + PacketType.name(packetType));
                    }
                    seen |= bit;
                }
                readPropertyValue(prop, b, p, user);
            }
        } finally {
            b.writerIndex(writerIndex);
        }
        if (user != null && !user.isEmpty()) {
            p.userProperties(user);
        }
        return p.freeze();
    }

    private void readPropertyValue(Property prop, ByteBuf r, Properties p, List<UserProperty> user) {
        switch (prop) {
            case PAYLOAD_FORMAT_INDICATOR -> p.payloadFormatIndicator(zeroOrOne(prop, readByte(r)));
            case MESSAGE_EXPIRY_INTERVAL -> p.messageExpiryInterval(readFour(r));
            case CONTENT_TYPE -> p.contentType(readString(r));
            case RESPONSE_TOPIC -> p.responseTopic(readString(r));
            case CORRELATION_DATA -> p.correlationData(readBinary(r));
            case SUBSCRIPTION_IDENTIFIER -> {
                int id = readVarint(r);
                if (id == 0) {
                    throw protocolError("subscription identifier 0 [MQTT-3.8.2-1]");
                }
                p.addSubscriptionIdentifier(id);
            }
            case SESSION_EXPIRY_INTERVAL -> p.sessionExpiryInterval(readFour(r));
            case ASSIGNED_CLIENT_IDENTIFIER -> p.assignedClientIdentifier(readString(r));
            case SERVER_KEEP_ALIVE -> p.serverKeepAlive(readTwo(r));
            case AUTHENTICATION_METHOD -> p.authenticationMethod(readString(r));
            case AUTHENTICATION_DATA -> p.authenticationData(readBinary(r));
            case REQUEST_PROBLEM_INFORMATION -> p.requestProblemInformation(zeroOrOne(prop, readByte(r)));
            case WILL_DELAY_INTERVAL -> p.willDelayInterval(readFour(r));
            case REQUEST_RESPONSE_INFORMATION -> p.requestResponseInformation(zeroOrOne(prop, readByte(r)));
            case RESPONSE_INFORMATION -> p.responseInformation(readString(r));
            case SERVER_REFERENCE -> p.serverReference(readString(r));
            case REASON_STRING -> p.reasonString(readString(r));
            case RECEIVE_MAXIMUM -> {
                int v = readTwo(r);
                if (v == 0) {
                    throw protocolError("receive maximum 0 is a protocol error");
                }
                p.receiveMaximum(v);
            }
            case TOPIC_ALIAS_MAXIMUM -> p.topicAliasMaximum(readTwo(r));
            case TOPIC_ALIAS -> p.topicAlias(readTwo(r));
            case MAXIMUM_QOS -> p.maximumQoS(readByte(r));
            case RETAIN_AVAILABLE -> p.retainAvailable(readByte(r));
            case USER_PROPERTY -> user.add(new UserProperty(readString(r), readString(r)));
            case MAXIMUM_PACKET_SIZE -> {
                long v = readFour(r);
                if (v == 0) {
                    throw protocolError("maximum packet size 0 is a protocol error");
                }
                p.maximumPacketSize(v);
            }
            case WILDCARD_SUBSCRIPTION_AVAILABLE -> p.wildcardSubscriptionAvailable(readByte(r));
            case SUBSCRIPTION_IDENTIFIER_AVAILABLE -> p.subscriptionIdentifierAvailable(readByte(r));
            case SHARED_SUBSCRIPTION_AVAILABLE -> p.sharedSubscriptionAvailable(readByte(r));
        }
    }

    private static int zeroOrOne(Property prop, int v) {
        if (v != 0 && v != 1) {
            throw protocolError("property " + prop + " must be 0 or 1, not " + v);
        }
        return v;
    }

    // --- primitives ---------------------------------------------------------------------------

    static int readByte(ByteBuf b) {
        if (!b.isReadable()) {
            throw malformed("packet ends in the middle of a field");
        }
        return b.readUnsignedByte();
    }

    static int readTwo(ByteBuf b) {
        if (b.readableBytes() < 2) {
            throw malformed("packet ends in the middle of a two-byte integer");
        }
        return b.readUnsignedShort();
    }

    static long readFour(ByteBuf b) {
        if (b.readableBytes() < 4) {
            throw malformed("packet ends in the middle of a four-byte integer");
        }
        return b.readUnsignedInt();
    }

    /** A variable byte integer (section 1.5.5): at most four bytes [MQTT-1.5.5-1]. */
    static int readVarint(ByteBuf b) {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = readByte(b);
            value |= (digit & 0x7F) << (7 * i);
            if ((digit & 0x80) == 0) {
                return value;
            }
        }
        throw malformed("variable byte integer longer than four bytes");
    }

    static String readString(ByteBuf b) {
        int len = readTwo(b);
        if (len > b.readableBytes()) {
            throw malformed("string length " + len + " runs past the end of the packet");
        }
        String s = Utf8.decode(b, b.readerIndex(), len);
        b.skipBytes(len);
        return s;
    }

    static byte[] readBinary(ByteBuf b) {
        int len = readTwo(b);
        if (len > b.readableBytes()) {
            throw malformed("binary data length " + len + " runs past the end of the packet");
        }
        byte[] bytes = new byte[len];
        b.readBytes(bytes);
        return bytes;
    }

    private static void requireFlags(int type, int flags, int expected) {
        if (flags != expected) {
            // [MQTT-2.2.2-1] [MQTT-2.2.2-2] reserved flag bits must be as the table says
            throw malformed(PacketType.name(type) + " fixed header flags are " + Integer.toBinaryString(flags)
                + ", must be " + Integer.toBinaryString(expected));
        }
    }

    private static void requireEmpty(int type, ByteBuf b) {
        if (b.isReadable()) {
            throw malformed(PacketType.name(type) + " has " + b.readableBytes() + " unexpected bytes at its end");
        }
    }

    private static String hex(int v) {
        return String.format("0x%02X", v);
    }

    /** A CONNECT whose protocol name or level is not one Tern speaks. */
    public static final class UnknownProtocolViolation extends RuntimeException {
        private final boolean knownName;

        UnknownProtocolViolation(String name, int level, boolean knownName) {
            super("unsupported protocol " + name + " level " + level, null, false, false);
            this.knownName = knownName;
        }

        /** True when the name is MQTT or MQIsdp, so the client can read a CONNACK return code. */
        public boolean knownName() {
            return knownName;
        }
    }

    /** A violation inside a CONNECT whose protocol version is known, so the CONNACK can speak it. */
    public static final class ConnectViolation extends RuntimeException {
        private final MqttVersion version;
        private final ProtocolViolation violation;

        ConnectViolation(MqttVersion version, ProtocolViolation violation) {
            super(violation.getMessage(), null, false, false);
            this.version = version;
            this.violation = violation;
        }

        public MqttVersion version() {
            return version;
        }

        public ProtocolViolation violation() {
            return violation;
        }
    }
}
