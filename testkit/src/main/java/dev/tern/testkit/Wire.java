package dev.tern.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Byte-level building blocks of MQTT, written from the specification independently of the
 * broker's encoder, so a test that uses them checks the broker against the text, not against itself.
 */
public final class Wire {
    private Wire() {
    }

    /** Parses "10 0c 00 04" style hex (spaces optional). */
    public static byte[] hex(String s) {
        String h = s.replaceAll("\\s+", "");
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    public static String toHex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.toString();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Variable byte integer (section 1.5.5). */
    public static byte[] varint(int v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        do {
            int d = v % 128;
            v /= 128;
            out.write(v > 0 ? d | 0x80 : d);
        } while (v > 0);
        return out.toByteArray();
    }

    public static byte[] u8(int v) {
        return new byte[]{(byte) v};
    }

    public static byte[] u16(int v) {
        return new byte[]{(byte) (v >> 8), (byte) v};
    }

    public static byte[] u32(long v) {
        return new byte[]{(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    /** UTF-8 encoded string with its two-byte length. */
    public static byte[] utf8(String s) {
        return binary(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Binary data with its two-byte length. */
    public static byte[] binary(byte[] b) {
        return concat(u16(b.length), b);
    }

    /** A whole packet: first byte, remaining length, body. */
    public static byte[] packet(int firstByte, byte[]... body) {
        byte[] b = concat(body);
        return concat(u8(firstByte), varint(b.length), b);
    }
}
