package dev.tern.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds an MQTT 5 property block (length prefix included) byte by byte, duplicates allowed on purpose. */
public final class Props {
    public static final int PAYLOAD_FORMAT_INDICATOR = 0x01;
    public static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
    public static final int CONTENT_TYPE = 0x03;
    public static final int RESPONSE_TOPIC = 0x08;
    public static final int CORRELATION_DATA = 0x09;
    public static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
    public static final int SESSION_EXPIRY_INTERVAL = 0x11;
    public static final int ASSIGNED_CLIENT_IDENTIFIER = 0x12;
    public static final int SERVER_KEEP_ALIVE = 0x13;
    public static final int AUTHENTICATION_METHOD = 0x15;
    public static final int AUTHENTICATION_DATA = 0x16;
    public static final int REQUEST_PROBLEM_INFORMATION = 0x17;
    public static final int WILL_DELAY_INTERVAL = 0x18;
    public static final int REQUEST_RESPONSE_INFORMATION = 0x19;
    public static final int RESPONSE_INFORMATION = 0x1A;
    public static final int SERVER_REFERENCE = 0x1C;
    public static final int REASON_STRING = 0x1F;
    public static final int RECEIVE_MAXIMUM = 0x21;
    public static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    public static final int TOPIC_ALIAS = 0x23;
    public static final int MAXIMUM_QOS = 0x24;
    public static final int RETAIN_AVAILABLE = 0x25;
    public static final int USER_PROPERTY = 0x26;
    public static final int MAXIMUM_PACKET_SIZE = 0x27;
    public static final int WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28;
    public static final int SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29;
    public static final int SHARED_SUBSCRIPTION_AVAILABLE = 0x2A;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static Props of() {
        return new Props();
    }

    /** An empty property block: a single zero length byte. */
    public static byte[] none() {
        return new byte[]{0};
    }

    public Props u8(int id, int v) {
        out.write(id);
        out.write(v);
        return this;
    }

    public Props u16(int id, int v) {
        out.write(id);
        out.writeBytes(Wire.u16(v));
        return this;
    }

    public Props u32(int id, long v) {
        out.write(id);
        out.writeBytes(Wire.u32(v));
        return this;
    }

    public Props varint(int id, int v) {
        out.write(id);
        out.writeBytes(Wire.varint(v));
        return this;
    }

    public Props string(int id, String s) {
        out.write(id);
        out.writeBytes(Wire.utf8(s));
        return this;
    }

    public Props binary(int id, byte[] b) {
        out.write(id);
        out.writeBytes(Wire.binary(b));
        return this;
    }

    public Props user(String name, String value) {
        out.write(USER_PROPERTY);
        out.writeBytes(Wire.utf8(name));
        out.writeBytes(Wire.utf8(value));
        return this;
    }

    /** Appends raw bytes inside the block (for malformed-property tests). */
    public Props raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    public byte[] build() {
        byte[] body = out.toByteArray();
        return Wire.concat(Wire.varint(body.length), body);
    }

    public static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
