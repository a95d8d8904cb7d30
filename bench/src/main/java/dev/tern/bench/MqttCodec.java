package dev.tern.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The few MQTT 3.1.1 / 5.0 client packets the load generator sends, encoded once into byte
 * arrays (a PUBLISH is a template the generator copies and patches: packet id, sequence number,
 * timestamp). Independent of the broker's codec on purpose: the generator must not share the
 * code it measures.
 *
 * <p>Payload layout of every bench PUBLISH: publisher index (int), sequence number (long), send
 * time from {@link System#nanoTime()} (long), then filler up to the payload size.
 */
final class MqttCodec {
    static final int CONNECT = 1;
    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;
    static final int SUBSCRIBE = 8;
    static final int SUBACK = 9;
    static final int PINGREQ = 12;
    static final int PINGRESP = 13;
    static final int DISCONNECT = 14;

    /** Bytes of the payload the generator uses: publisher index, sequence number, timestamp. */
    static final int PAYLOAD_HEADER = 20;

    static final byte[] PINGREQ_PACKET = {(byte) 0xC0, 0};
    static final byte[] DISCONNECT_PACKET = {(byte) 0xE0, 0};

    private MqttCodec() {
    }

    /**
     * A pre-encoded PUBLISH.
     *
     * @param packetIdOffset where the packet identifier goes (QoS 1/2), or -1
     * @param payloadOffset  where the payload starts
     */
    record PublishTemplate(byte[] bytes, int packetIdOffset, int payloadOffset) {
        int length() {
            return bytes.length;
        }
    }

    /**
     * CONNECT with a client id and no will, user name or password.
     *
     * @param version       4 (MQTT 3.1.1) or 5
     * @param cleanStart    Clean Session (3.1.1) / Clean Start (5)
     * @param sessionExpiry MQTT 5 Session Expiry Interval in seconds, 0 for none
     */
    static byte[] connect(int version, String clientId, boolean cleanStart, int keepAlive, long sessionExpiry) {
        Bytes props = new Bytes();
        if (version == 5 && sessionExpiry > 0) {
            props.u8(0x11).u32(sessionExpiry);
        }
        Bytes body = new Bytes();
        body.string("MQTT").u8(version).u8(cleanStart ? 0x02 : 0x00).u16(keepAlive);
        if (version == 5) {
            body.varint(props.size()).bytes(props.toArray());
        }
        body.string(clientId);
        return packet(CONNECT << 4, body);
    }

    /** SUBSCRIBE to one filter at a QoS. */
    static byte[] subscribe(int version, int packetId, String filter, int qos) {
        Bytes body = new Bytes().u16(packetId);
        if (version == 5) {
            body.varint(0);
        }
        body.string(filter).u8(qos);
        return packet((SUBSCRIBE << 4) | 0x02, body);
    }

    /** A PUBLISH of {@code payloadSize} bytes (at least {@link #PAYLOAD_HEADER}) with zeros where the variable parts go. */
    static PublishTemplate publish(int version, String topic, int qos, int payloadSize) {
        if (payloadSize < PAYLOAD_HEADER) {
            throw new IllegalArgumentException("payload must be at least " + PAYLOAD_HEADER + " bytes (it carries index, sequence and timestamp)");
        }
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        int remaining = 2 + t.length + (qos > 0 ? 2 : 0) + (version == 5 ? 1 : 0) + payloadSize;
        Bytes b = new Bytes();
        b.u8((PUBLISH << 4) | (qos << 1)).varint(remaining).u16(t.length).bytes(t);
        int packetIdOffset = -1;
        if (qos > 0) {
            packetIdOffset = b.size();
            b.u16(0);
        }
        if (version == 5) {
            b.varint(0);
        }
        int payloadOffset = b.size();
        byte[] filler = new byte[payloadSize];
        Arrays.fill(filler, PAYLOAD_HEADER, payloadSize, (byte) 'x');
        b.bytes(filler);
        return new PublishTemplate(b.toArray(), packetIdOffset, payloadOffset);
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP without reason code (0 = success in MQTT 5, and the only form in 3.1.1). */
    static int ackHeader(int type) {
        return (type << 4) | (type == PUBREL ? 0x02 : 0);
    }

    /** The position after an MQTT 5 property block that starts (with its length) at {@code p}. */
    static int skipProperties(ByteBuffer b, int p) {
        int length = 0;
        int shift = 0;
        int digit;
        do {
            digit = b.get(p++) & 0xFF;
            length |= (digit & 0x7F) << shift;
            shift += 7;
        } while ((digit & 0x80) != 0);
        return p + length;
    }

    /**
     * The Receive Maximum of a CONNACK's property block (starting with its length at {@code p}),
     * or -1 when it is absent: the QoS 1/2 PUBLISHes the broker accepts unacknowledged.
     */
    static int receiveMaximum(ByteBuffer b, int p, int end) {
        int stop = Math.min(end, skipProperties(b, p));
        while (b.get(p) < 0) {
            p++; // skip the continuation bytes of the length
        }
        p++;
        while (p < stop) {
            int id = b.get(p++) & 0xFF;
            switch (id) {
                case 0x21 -> {
                    return b.getShort(p) & 0xFFFF;
                }
                case 0x24, 0x25, 0x28, 0x29, 0x2A -> p += 1; // byte properties
                case 0x13, 0x22 -> p += 2; // two-byte integers
                case 0x11, 0x27 -> p += 4; // four-byte integers
                case 0x12, 0x1A, 0x1C, 0x1F, 0x15, 0x16 -> p += 2 + (b.getShort(p) & 0xFFFF); // strings, binary
                case 0x26 -> { // user property: a string pair
                    p += 2 + (b.getShort(p) & 0xFFFF);
                    p += 2 + (b.getShort(p) & 0xFFFF);
                }
                default -> {
                    return -1; // not a CONNACK property: stop reading
                }
            }
        }
        return -1;
    }

    static int varintSize(int v) {
        return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
    }

    private static byte[] packet(int header, Bytes body) {
        Bytes p = new Bytes().u8(header).varint(body.size()).bytes(body.toArray());
        return p.toArray();
    }

    /** A growable byte array writer, only for building packets ahead of time. */
    static final class Bytes {
        private byte[] buf = new byte[64];
        private int size;

        Bytes u8(int v) {
            ensure(1);
            buf[size++] = (byte) v;
            return this;
        }

        Bytes u16(int v) {
            return u8(v >>> 8).u8(v);
        }

        Bytes u32(long v) {
            return u16((int) (v >>> 16) & 0xFFFF).u16((int) v & 0xFFFF);
        }

        Bytes varint(int v) {
            do {
                int digit = v & 0x7F;
                v >>>= 7;
                u8(v > 0 ? digit | 0x80 : digit);
            } while (v > 0);
            return this;
        }

        Bytes string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u16(b.length).bytes(b);
        }

        Bytes bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, size, b.length);
            size += b.length;
            return this;
        }

        int size() {
            return size;
        }

        byte[] toArray() {
            return Arrays.copyOf(buf, size);
        }

        private void ensure(int n) {
            if (size + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
            }
        }
    }
}
