package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.protocol.ConnectPacket;
import dev.tern.broker.protocol.MqttVersion;
import dev.tern.broker.protocol.PacketDecoder;
import dev.tern.broker.protocol.PacketEncoder;
import dev.tern.broker.protocol.PacketType;
import dev.tern.broker.protocol.Properties;
import dev.tern.broker.routing.Message;
import dev.tern.broker.session.SessionStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The on-disk encodings of format version 1. Every value starts with a format byte so a later
 * format can be told apart and migrated. Properties are stored in their MQTT 5 wire form and read
 * back with the protocol decoder, so storage and protocol agree on them by construction.
 */
final class Codec {
    static final byte FORMAT = 1;
    static final byte SEPARATOR = 0;

    private Codec() {
    }

    // --- keys -----------------------------------------------------------------------------------

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code prefix 0x00 suffix}: client ids and filters never contain U+0000, so the separator is unambiguous. */
    static byte[] key(String prefix, byte[] suffix) {
        byte[] p = utf8(prefix);
        byte[] k = new byte[p.length + 1 + suffix.length];
        System.arraycopy(p, 0, k, 0, p.length);
        k[p.length] = SEPARATOR;
        System.arraycopy(suffix, 0, k, p.length + 1, suffix.length);
        return k;
    }

    /** The first key after every {@code prefix 0x00 ...} key, for range deletes and scans. */
    static byte[] prefixEnd(String prefix) {
        byte[] p = utf8(prefix);
        byte[] k = new byte[p.length + 1];
        System.arraycopy(p, 0, k, 0, p.length);
        k[p.length] = 1;
        return k;
    }

    static byte[] prefixStart(String prefix) {
        byte[] p = utf8(prefix);
        byte[] k = new byte[p.length + 1];
        System.arraycopy(p, 0, k, 0, p.length);
        return k;
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static byte[] shortBytes(int v) {
        return new byte[]{(byte) (v >> 8), (byte) v};
    }

    /** Splits a {@code prefix 0x00 suffix} key. */
    static int separatorIndex(byte[] key) {
        for (int i = 0; i < key.length; i++) {
            if (key[i] == SEPARATOR) {
                return i;
            }
        }
        throw new CorruptRecordException("key without separator");
    }

    static String prefixOf(byte[] key) {
        return new String(key, 0, separatorIndex(key), StandardCharsets.UTF_8);
    }

    static byte[] suffixOf(byte[] key) {
        int i = separatorIndex(key);
        byte[] s = new byte[key.length - i - 1];
        System.arraycopy(key, i + 1, s, 0, s.length);
        return s;
    }

    // --- messages -------------------------------------------------------------------------------

    static byte[] message(Message m) {
        ByteBuf b = Unpooled.buffer(64 + m.payloadLength());
        b.writeByte(FORMAT);
        writeString(b, m.topic());
        b.writeByte(m.qos());
        b.writeBoolean(m.retainFlag());
        b.writeLong(m.expiresAtMillis());
        writeNullableString(b, m.publisherId());
        b.writeBytes(PacketEncoder.propertiesBytes(m.properties()));
        b.writeInt(m.payloadLength());
        b.writeBytes(m.payload(), m.payload().readerIndex(), m.payloadLength());
        return toArray(b);
    }

    static Message message(byte[] value) {
        ByteBuf b = Unpooled.wrappedBuffer(value);
        checkFormat(b);
        String topic = readString(b);
        int qos = b.readByte();
        boolean retain = b.readBoolean();
        long expiresAt = b.readLong();
        String publisher = readNullableString(b);
        Properties props = PacketDecoder.INSTANCE.readProperties(b, PacketType.PUBLISH);
        int len = b.readInt();
        ByteBuf payload = Unpooled.copiedBuffer(b.readSlice(len));
        return new Message(topic, qos, retain, props, payload, expiresAt, publisher);
    }

    // --- sessions -------------------------------------------------------------------------------

    static byte[] session(SessionStore.SessionRecord r) {
        ByteBuf b = Unpooled.buffer(64);
        b.writeByte(FORMAT);
        b.writeByte(r.version().level());
        b.writeLong(r.expirySeconds());
        b.writeLong(r.disconnectedAtMillis());
        ConnectPacket.Will w = r.will();
        b.writeBoolean(w != null);
        if (w != null) {
            writeString(b, w.topic());
            b.writeByte(w.qos());
            b.writeBoolean(w.retain());
            b.writeBytes(PacketEncoder.propertiesBytes(w.properties()));
            b.writeInt(w.payload().length);
            b.writeBytes(w.payload());
        }
        return toArray(b);
    }

    static SessionStore.SessionRecord session(String clientId, byte[] value) {
        ByteBuf b = Unpooled.wrappedBuffer(value);
        checkFormat(b);
        int level = b.readByte();
        MqttVersion version = level == 3 ? MqttVersion.MQTT_3_1 : level == 4 ? MqttVersion.MQTT_3_1_1 : MqttVersion.MQTT_5;
        long expiry = b.readLong();
        long disconnectedAt = b.readLong();
        ConnectPacket.Will will = null;
        if (b.readBoolean()) {
            String topic = readString(b);
            int qos = b.readByte();
            boolean retain = b.readBoolean();
            Properties props = PacketDecoder.INSTANCE.readProperties(b, PacketType.WILL);
            byte[] payload = new byte[b.readInt()];
            b.readBytes(payload);
            will = new ConnectPacket.Will(topic, payload, qos, retain, props);
        }
        return new SessionStore.SessionRecord(clientId, version, expiry, disconnectedAt, will);
    }

    // --- subscriptions --------------------------------------------------------------------------

    static byte[] subscription(int qos, boolean noLocal, boolean rap, int retainHandling, int subscriptionId) {
        ByteBuf b = Unpooled.buffer(8);
        b.writeByte(FORMAT);
        b.writeByte(qos | (noLocal ? 0x04 : 0) | (rap ? 0x08 : 0) | (retainHandling << 4));
        b.writeInt(subscriptionId);
        return toArray(b);
    }

    static SessionStore.StoredSubscription subscription(String filter, byte[] value) {
        ByteBuf b = Unpooled.wrappedBuffer(value);
        checkFormat(b);
        int o = b.readUnsignedByte();
        int id = b.readInt();
        return new SessionStore.StoredSubscription(filter, o & 3, (o & 4) != 0, (o & 8) != 0, (o >> 4) & 3, id);
    }

    // --- queue entries --------------------------------------------------------------------------

    static byte[] entry(long messageId, int qos, boolean retainFlag, int[] subscriptionIds) {
        ByteBuf b = Unpooled.buffer(16);
        b.writeByte(FORMAT);
        b.writeLong(messageId);
        b.writeByte(qos);
        b.writeBoolean(retainFlag);
        int n = subscriptionIds == null ? 0 : subscriptionIds.length;
        b.writeShort(n);
        for (int i = 0; i < n; i++) {
            b.writeInt(subscriptionIds[i]);
        }
        return toArray(b);
    }

    /** A decoded queue entry value. */
    record Entry(long messageId, int qos, boolean retainFlag, int[] subscriptionIds) {
    }

    static Entry entry(byte[] value) {
        ByteBuf b = Unpooled.wrappedBuffer(value);
        checkFormat(b);
        long id = b.readLong();
        int qos = b.readByte();
        boolean retain = b.readBoolean();
        int n = b.readUnsignedShort();
        int[] ids = n == 0 ? null : new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = b.readInt();
        }
        return new Entry(id, qos, retain, ids);
    }

    // --- helpers --------------------------------------------------------------------------------

    private static void checkFormat(ByteBuf b) {
        int f = b.readByte();
        if (f != FORMAT) {
            throw new CorruptRecordException("record format " + f + ", this version reads format " + FORMAT);
        }
    }

    private static void writeString(ByteBuf b, String s) {
        byte[] bytes = utf8(s);
        b.writeInt(bytes.length);
        b.writeBytes(bytes);
    }

    private static String readString(ByteBuf b) {
        int len = b.readInt();
        if (len < 0 || len > b.readableBytes()) {
            throw new CorruptRecordException("string length " + len + " past the end of the record");
        }
        return b.readCharSequence(len, StandardCharsets.UTF_8).toString();
    }

    private static void writeNullableString(ByteBuf b, String s) {
        b.writeBoolean(s != null);
        if (s != null) {
            writeString(b, s);
        }
    }

    private static String readNullableString(ByteBuf b) {
        return b.readBoolean() ? readString(b) : null;
    }

    private static byte[] toArray(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    /** A stored record that cannot be read: the store is damaged. */
    static final class CorruptRecordException extends RuntimeException {
        CorruptRecordException(String message) {
            super(message);
        }
    }
}
