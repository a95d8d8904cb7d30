package dev.tern.broker.protocol;

import io.netty.buffer.ByteBuf;

/**
 * The last topic name a connection published to, as a string and as its UTF-8 bytes. Publishers
 * mostly repeat their topics, so a PUBLISH whose topic bytes equal the last ones reuses the string
 * (already checked for UTF-8 and as a topic name) instead of decoding and checking it again, and
 * the message reuses the bytes instead of encoding the topic again.
 *
 * <p>Threading: one per connection, used only on its event loop.
 */
public final class TopicCache {
    private String topic;
    private byte[] utf8;
    private String validated;

    /** Reads a length-prefixed topic name from {@code b}, reusing the cached one when the bytes match. */
    String read(ByteBuf b) {
        if (b.readableBytes() < 2) {
            throw ProtocolViolation.malformed("packet ends in the middle of a two-byte integer");
        }
        int len = b.getUnsignedShort(b.readerIndex());
        byte[] cached = utf8;
        if (cached != null && cached.length == len && b.readableBytes() >= 2 + len && sameBytes(b, b.readerIndex() + 2, cached)) {
            b.skipBytes(2 + len);
            return topic;
        }
        String s = PacketDecoder.readString(b);
        topic = s;
        utf8 = new byte[len];
        b.getBytes(b.readerIndex() - len, utf8);
        validated = null;
        return s;
    }

    private static boolean sameBytes(ByteBuf b, int index, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (b.getByte(index + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** The UTF-8 bytes of {@code t} if it is the cached topic (the same instance), else null. */
    byte[] utf8(String t) {
        return t == topic && t != null ? utf8 : null;
    }

    /** True when {@code t} is the cached topic and it already passed the topic-name checks. */
    boolean isValidated(String t) {
        return t == validated && t != null;
    }

    void markValidated(String t) {
        if (t == topic) {
            validated = t;
        }
    }
}
