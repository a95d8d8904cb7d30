package dev.tern.testkit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A packet the broker sent, with parsers for each server packet. Parsing follows the specification
 * text and is independent of the broker's code.
 */
public final class Received {
    public static final int CONNACK = 2;
    public static final int PUBLISH = 3;
    public static final int PUBACK = 4;
    public static final int PUBREC = 5;
    public static final int PUBREL = 6;
    public static final int PUBCOMP = 7;
    public static final int SUBACK = 9;
    public static final int UNSUBACK = 11;
    public static final int PINGRESP = 13;
    public static final int DISCONNECT = 14;
    public static final int AUTH = 15;

    private final byte[] raw;
    private final int headerLength;
    private final boolean v5;

    Received(byte[] raw, int headerLength, boolean v5) {
        this.raw = raw;
        this.headerLength = headerLength;
        this.v5 = v5;
    }

    public int type() {
        return (raw[0] & 0xFF) >>> 4;
    }

    public int flags() {
        return raw[0] & 0x0F;
    }

    public byte[] raw() {
        return raw.clone();
    }

    public byte[] body() {
        return Arrays.copyOfRange(raw, headerLength, raw.length);
    }

    @Override
    public String toString() {
        return "packet type " + type() + " [" + Wire.toHex(raw) + "]";
    }

    private ByteBuffer buf() {
        return ByteBuffer.wrap(raw, headerLength, raw.length - headerLength);
    }

    private void expectType(int t) {
        if (type() != t) {
            throw new AssertionError("expected packet type " + t + " but got " + this);
        }
    }

    // --- parsed forms -------------------------------------------------------------------------

    public record ConnAck(boolean sessionPresent, int reasonCode, PropertyMap properties) {
    }

    public ConnAck connack() {
        expectType(CONNACK);
        ByteBuffer b = buf();
        boolean present = (b.get() & 1) == 1;
        int rc = b.get() & 0xFF;
        PropertyMap p = v5 && b.hasRemaining() ? readProperties(b) : PropertyMap.EMPTY;
        return new ConnAck(present, rc, p);
    }

    public record Publish(String topic, int qos, boolean retain, boolean dup, int packetId, PropertyMap properties,
                          byte[] payload) {
        public String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    public Publish publish() {
        expectType(PUBLISH);
        ByteBuffer b = buf();
        int qos = (flags() >> 1) & 3;
        String topic = readString(b);
        int id = qos > 0 ? b.getShort() & 0xFFFF : 0;
        PropertyMap p = v5 ? readProperties(b) : PropertyMap.EMPTY;
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        return new Publish(topic, qos, (flags() & 1) == 1, (flags() & 8) == 8, id, p, payload);
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP. */
    public record Ack(int type, int packetId, int reasonCode, PropertyMap properties) {
    }

    public Ack ack() {
        ByteBuffer b = buf();
        int id = b.getShort() & 0xFFFF;
        int rc = b.hasRemaining() ? b.get() & 0xFF : 0;
        PropertyMap p = b.hasRemaining() ? readProperties(b) : PropertyMap.EMPTY;
        return new Ack(type(), id, rc, p);
    }

    /** SUBACK or UNSUBACK. */
    public record SubAck(int packetId, PropertyMap properties, int[] reasonCodes) {
    }

    public SubAck suback() {
        ByteBuffer b = buf();
        int id = b.getShort() & 0xFFFF;
        PropertyMap p = v5 ? readProperties(b) : PropertyMap.EMPTY;
        int[] codes = new int[b.remaining()];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = b.get() & 0xFF;
        }
        return new SubAck(id, p, codes);
    }

    public record Disconnect(int reasonCode, PropertyMap properties) {
    }

    public Disconnect disconnect() {
        expectType(DISCONNECT);
        ByteBuffer b = buf();
        int rc = b.hasRemaining() ? b.get() & 0xFF : 0;
        PropertyMap p = b.hasRemaining() ? readProperties(b) : PropertyMap.EMPTY;
        return new Disconnect(rc, p);
    }

    // --- properties ---------------------------------------------------------------------------

    /** Properties by identifier; each identifier maps to the values in order of appearance. */
    public static final class PropertyMap {
        static final PropertyMap EMPTY = new PropertyMap(Map.of());
        private final Map<Integer, List<Object>> values;

        PropertyMap(Map<Integer, List<Object>> values) {
            this.values = values;
        }

        public boolean has(int id) {
            return values.containsKey(id);
        }

        public Object get(int id) {
            List<Object> v = values.get(id);
            return v == null ? null : v.get(0);
        }

        public List<Object> all(int id) {
            return values.getOrDefault(id, List.of());
        }

        public Integer integer(int id) {
            Object v = get(id);
            return v == null ? null : ((Number) v).intValue();
        }

        public Long longValue(int id) {
            Object v = get(id);
            return v == null ? null : ((Number) v).longValue();
        }

        public String string(int id) {
            return (String) get(id);
        }

        public Map<Integer, List<Object>> asMap() {
            return values;
        }

        @Override
        public String toString() {
            return values.toString();
        }
    }

    private static PropertyMap readProperties(ByteBuffer b) {
        int len = readVarint(b);
        int end = b.position() + len;
        Map<Integer, List<Object>> map = new LinkedHashMap<>();
        while (b.position() < end) {
            int id = readVarint(b);
            Object v = switch (id) {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> b.get() & 0xFF;
                case 0x13, 0x21, 0x22, 0x23 -> b.getShort() & 0xFFFF;
                case 0x02, 0x11, 0x18, 0x27 -> b.getInt() & 0xFFFFFFFFL;
                case 0x0B -> readVarint(b);
                case 0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F -> readString(b);
                case 0x09, 0x16 -> readBinary(b);
                case 0x26 -> new String[]{readString(b), readString(b)};
                default -> throw new AssertionError("server sent unknown property id " + id);
            };
            map.computeIfAbsent(id, k -> new ArrayList<>()).add(v);
        }
        return new PropertyMap(map);
    }

    static int readVarint(ByteBuffer b) {
        int value = 0;
        int shift = 0;
        int d;
        do {
            d = b.get() & 0xFF;
            value |= (d & 0x7F) << shift;
            shift += 7;
        } while ((d & 0x80) != 0);
        return value;
    }

    private static String readString(ByteBuffer b) {
        return new String(readBinary(b), StandardCharsets.UTF_8);
    }

    private static byte[] readBinary(ByteBuffer b) {
        int len = b.getShort() & 0xFFFF;
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }
}
