package dev.tern.broker.protocol;

/** MQTT 5 reason codes (section 2.4) the broker sends or understands. */
public enum ReasonCode {
    SUCCESS(0x00),
    GRANTED_QOS_1(0x01),
    GRANTED_QOS_2(0x02),
    DISCONNECT_WITH_WILL(0x04),
    NO_MATCHING_SUBSCRIBERS(0x10),
    NO_SUBSCRIPTION_EXISTED(0x11),
    CONTINUE_AUTHENTICATION(0x18),
    RE_AUTHENTICATE(0x19),
    UNSPECIFIED_ERROR(0x80),
    MALFORMED_PACKET(0x81),
    PROTOCOL_ERROR(0x82),
    IMPLEMENTATION_SPECIFIC_ERROR(0x83),
    UNSUPPORTED_PROTOCOL_VERSION(0x84),
    CLIENT_IDENTIFIER_NOT_VALID(0x85),
    BAD_USER_NAME_OR_PASSWORD(0x86),
    NOT_AUTHORIZED(0x87),
    SERVER_UNAVAILABLE(0x88),
    SERVER_BUSY(0x89),
    BANNED(0x8A),
    SERVER_SHUTTING_DOWN(0x8B),
    BAD_AUTHENTICATION_METHOD(0x8C),
    KEEP_ALIVE_TIMEOUT(0x8D),
    SESSION_TAKEN_OVER(0x8E),
    TOPIC_FILTER_INVALID(0x8F),
    TOPIC_NAME_INVALID(0x90),
    PACKET_IDENTIFIER_IN_USE(0x91),
    PACKET_IDENTIFIER_NOT_FOUND(0x92),
    RECEIVE_MAXIMUM_EXCEEDED(0x93),
    TOPIC_ALIAS_INVALID(0x94),
    PACKET_TOO_LARGE(0x95),
    MESSAGE_RATE_TOO_HIGH(0x96),
    QUOTA_EXCEEDED(0x97),
    ADMINISTRATIVE_ACTION(0x98),
    PAYLOAD_FORMAT_INVALID(0x99),
    RETAIN_NOT_SUPPORTED(0x9A),
    QOS_NOT_SUPPORTED(0x9B),
    USE_ANOTHER_SERVER(0x9C),
    SERVER_MOVED(0x9D),
    SHARED_SUBSCRIPTIONS_NOT_SUPPORTED(0x9E),
    CONNECTION_RATE_EXCEEDED(0x9F),
    MAXIMUM_CONNECT_TIME(0xA0),
    SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED(0xA1),
    WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED(0xA2);

    private static final ReasonCode[] BY_CODE = new ReasonCode[256];

    static {
        for (ReasonCode rc : values()) {
            BY_CODE[rc.code] = rc;
        }
    }

    private final int code;

    ReasonCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public boolean isError() {
        return code >= 0x80;
    }

    /** The reason code for a byte, or null when the byte is not a reason code. */
    public static ReasonCode of(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }

    public String hex() {
        return String.format("0x%02X", code);
    }

    /**
     * The MQTT 3.1 / 3.1.1 CONNACK return code that best carries this reason: 3.x knows only
     * 0x01 unacceptable protocol version, 0x02 identifier rejected, 0x03 server unavailable,
     * 0x04 bad user name or password and 0x05 not authorized.
     */
    public int connackReturnCodeV3() {
        return switch (this) {
            case SUCCESS -> 0x00;
            case UNSUPPORTED_PROTOCOL_VERSION -> 0x01;
            case CLIENT_IDENTIFIER_NOT_VALID -> 0x02;
            case BAD_USER_NAME_OR_PASSWORD -> 0x04;
            case NOT_AUTHORIZED, BANNED, BAD_AUTHENTICATION_METHOD -> 0x05;
            default -> 0x03;
        };
    }
}
