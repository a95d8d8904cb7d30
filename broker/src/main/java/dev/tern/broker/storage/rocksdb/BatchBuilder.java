package dev.tern.broker.storage.rocksdb;

import java.util.Arrays;

/**
 * Builds a RocksDB write batch in its serialized form on the Java heap, so a whole event-loop
 * turn's writes cross into native code once ({@code new WriteBatch(bytes)}) instead of once per
 * put or delete: the profile of persistent sessions showed the per-operation JNI calls of
 * {@code WriteBatch.put} as a large part of the cost.
 *
 * <p>The layout is RocksDB's (db/write_batch.cc): a 12-byte header (fixed64 sequence number, filled
 * in by RocksDB, and fixed32 count), then one record per operation: a type byte, the column
 * family id as a varint32, and the key (and value, or end key) as varint32-length-prefixed bytes.
 */
final class BatchBuilder {
    private static final int HEADER = 12;
    private static final byte COLUMN_FAMILY_DELETION = 0x4;
    private static final byte COLUMN_FAMILY_VALUE = 0x5;
    private static final byte COLUMN_FAMILY_RANGE_DELETION = 0xE;

    private byte[] buf = new byte[512];
    private int size = HEADER;
    private int count;

    void put(int columnFamily, byte[] key, byte[] value) {
        ensure(1 + 5 + 5 + key.length + 5 + value.length);
        buf[size++] = COLUMN_FAMILY_VALUE;
        varint(columnFamily);
        bytes(key);
        bytes(value);
        count++;
    }

    void delete(int columnFamily, byte[] key) {
        ensure(1 + 5 + 5 + key.length);
        buf[size++] = COLUMN_FAMILY_DELETION;
        varint(columnFamily);
        bytes(key);
        count++;
    }

    void deleteRange(int columnFamily, byte[] begin, byte[] end) {
        ensure(1 + 5 + 5 + begin.length + 5 + end.length);
        buf[size++] = COLUMN_FAMILY_RANGE_DELETION;
        varint(columnFamily);
        bytes(begin);
        bytes(end);
        count++;
    }

    int count() {
        return count;
    }

    /** The serialized batch. */
    byte[] toBytes() {
        byte[] out = Arrays.copyOf(buf, size);
        out[8] = (byte) count;
        out[9] = (byte) (count >>> 8);
        out[10] = (byte) (count >>> 16);
        out[11] = (byte) (count >>> 24);
        return out;
    }

    private void bytes(byte[] b) {
        varint(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    private void varint(int v) {
        while ((v & ~0x7F) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
