package dev.tern.broker.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 checks the specification asks for (section 1.5.4): well-formed per RFC 3629 (no overlong
 * forms, no surrogates U+D800..U+DFFF, nothing above U+10FFFF) and no U+0000 [MQTT-1.5.4-1],
 * [MQTT-1.5.4-2]. Netty's decoder decodes strings leniently; this is the strict layer.
 */
public final class Utf8 {
    private Utf8() {
    }

    /** Reads a well-formed MQTT string of {@code length} bytes at {@code index}. */
    public static String decode(ByteBuf buf, int index, int length) {
        int end = index + length;
        int i = index;
        while (i < end) {
            byte b = buf.getByte(i);
            if (b <= 0) {
                break;
            }
            i++;
        }
        if (i == end) {
            return buf.toString(index, length, StandardCharsets.US_ASCII);
        }
        if (!isWellFormed(buf, i, end, false)) {
            throw ProtocolViolation.malformed("string is not well-formed UTF-8 or contains U+0000");
        }
        return buf.toString(index, length, StandardCharsets.UTF_8);
    }

    /** True when the bytes are well-formed UTF-8 (U+0000 allowed: a payload may carry it). */
    public static boolean isWellFormedPayload(ByteBuf buf, int index, int length) {
        return isWellFormed(buf, index, index + length, true);
    }

    public static boolean isWellFormedPayload(byte[] bytes) {
        return isWellFormedPayload(io.netty.buffer.Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    }

    private static boolean isWellFormed(ByteBuf buf, int i, int end, boolean allowNull) {
        while (i < end) {
            int b = buf.getByte(i) & 0xFF;
            if (b < 0x80) {
                if (b == 0 && !allowNull) {
                    return false;
                }
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need = 2;
                if (b == 0xE0) {
                    lo = 0xA0;
                } else if (b == 0xED) {
                    hi = 0x9F;
                }
            } else if (b >= 0xF0 && b <= 0xF4) {
                need = 3;
                if (b == 0xF0) {
                    lo = 0x90;
                } else if (b == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                return false;
            }
            if (i + need >= end) {
                return false;
            }
            int c1 = buf.getByte(i + 1) & 0xFF;
            if (c1 < lo || c1 > hi) {
                return false;
            }
            for (int k = 2; k <= need; k++) {
                int c = buf.getByte(i + k) & 0xFF;
                if (c < 0x80 || c > 0xBF) {
                    return false;
                }
            }
            i += need + 1;
        }
        return true;
    }
}
