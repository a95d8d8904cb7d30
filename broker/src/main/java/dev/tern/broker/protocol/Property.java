package dev.tern.broker.protocol;

import static dev.tern.broker.protocol.PacketType.AUTH;
import static dev.tern.broker.protocol.PacketType.CONNACK;
import static dev.tern.broker.protocol.PacketType.CONNECT;
import static dev.tern.broker.protocol.PacketType.DISCONNECT;
import static dev.tern.broker.protocol.PacketType.PUBACK;
import static dev.tern.broker.protocol.PacketType.PUBCOMP;
import static dev.tern.broker.protocol.PacketType.PUBLISH;
import static dev.tern.broker.protocol.PacketType.PUBREC;
import static dev.tern.broker.protocol.PacketType.PUBREL;
import static dev.tern.broker.protocol.PacketType.SUBACK;
import static dev.tern.broker.protocol.PacketType.SUBSCRIBE;
import static dev.tern.broker.protocol.PacketType.UNSUBACK;
import static dev.tern.broker.protocol.PacketType.UNSUBSCRIBE;
import static dev.tern.broker.protocol.PacketType.WILL;

/**
 * The MQTT 5 property table (section 2.2.2.2): identifier, wire type, and the packets each property
 * may appear in. The decoder consults it for every property it reads, which is the check Netty's
 * decoder does not make.
 */
public enum Property {
    PAYLOAD_FORMAT_INDICATOR(0x01, Type.BYTE, PUBLISH, WILL),
    MESSAGE_EXPIRY_INTERVAL(0x02, Type.FOUR_BYTE, PUBLISH, WILL),
    CONTENT_TYPE(0x03, Type.UTF8, PUBLISH, WILL),
    RESPONSE_TOPIC(0x08, Type.UTF8, PUBLISH, WILL),
    CORRELATION_DATA(0x09, Type.BINARY, PUBLISH, WILL),
    SUBSCRIPTION_IDENTIFIER(0x0B, Type.VARINT, PUBLISH, SUBSCRIBE),
    SESSION_EXPIRY_INTERVAL(0x11, Type.FOUR_BYTE, CONNECT, CONNACK, DISCONNECT),
    ASSIGNED_CLIENT_IDENTIFIER(0x12, Type.UTF8, CONNACK),
    SERVER_KEEP_ALIVE(0x13, Type.TWO_BYTE, CONNACK),
    AUTHENTICATION_METHOD(0x15, Type.UTF8, CONNECT, CONNACK, AUTH),
    AUTHENTICATION_DATA(0x16, Type.BINARY, CONNECT, CONNACK, AUTH),
    REQUEST_PROBLEM_INFORMATION(0x17, Type.BYTE, CONNECT),
    WILL_DELAY_INTERVAL(0x18, Type.FOUR_BYTE, WILL),
    REQUEST_RESPONSE_INFORMATION(0x19, Type.BYTE, CONNECT),
    RESPONSE_INFORMATION(0x1A, Type.UTF8, CONNACK),
    SERVER_REFERENCE(0x1C, Type.UTF8, CONNACK, DISCONNECT),
    REASON_STRING(0x1F, Type.UTF8, CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH),
    RECEIVE_MAXIMUM(0x21, Type.TWO_BYTE, CONNECT, CONNACK),
    TOPIC_ALIAS_MAXIMUM(0x22, Type.TWO_BYTE, CONNECT, CONNACK),
    TOPIC_ALIAS(0x23, Type.TWO_BYTE, PUBLISH),
    MAXIMUM_QOS(0x24, Type.BYTE, CONNACK),
    RETAIN_AVAILABLE(0x25, Type.BYTE, CONNACK),
    USER_PROPERTY(0x26, Type.UTF8_PAIR, CONNECT, CONNACK, PUBLISH, WILL, PUBACK, PUBREC, PUBREL, PUBCOMP,
        SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH),
    MAXIMUM_PACKET_SIZE(0x27, Type.FOUR_BYTE, CONNECT, CONNACK),
    WILDCARD_SUBSCRIPTION_AVAILABLE(0x28, Type.BYTE, CONNACK),
    SUBSCRIPTION_IDENTIFIER_AVAILABLE(0x29, Type.BYTE, CONNACK),
    SHARED_SUBSCRIPTION_AVAILABLE(0x2A, Type.BYTE, CONNACK);

    /** Wire encodings of property values (section 1.5). */
    public enum Type { BYTE, TWO_BYTE, FOUR_BYTE, VARINT, UTF8, BINARY, UTF8_PAIR }

    private static final Property[] BY_ID = new Property[128];

    static {
        for (Property p : values()) {
            BY_ID[p.id] = p;
        }
    }

    private final int id;
    private final Type type;
    private final int allowedIn;

    Property(int id, Type type, int... packets) {
        this.id = id;
        this.type = type;
        int mask = 0;
        for (int p : packets) {
            mask |= 1 << p;
        }
        this.allowedIn = mask;
    }

    public int id() {
        return id;
    }

    public Type type() {
        return type;
    }

    public boolean allowedIn(int packetType) {
        return (allowedIn & (1 << packetType)) != 0;
    }

    /** The property for an identifier, or null when the identifier is not defined. */
    public static Property of(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
