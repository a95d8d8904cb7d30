package dev.tern.broker.storage.rocksdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Tells a write-ahead log that a crash cut short from one that is damaged, when the strict open
 * refused it. RocksDB's own lenient mode ({@code TolerateCorruptedTailRecords}) cannot: it also
 * stops silently at a record whose length field is damaged when that record is in the last 32 KiB
 * block of a log, and drops the valid records after it. So the store opens strictly, and only when
 * that fails reads the logs itself (RocksDB's log format, db/log_format.h): every log but the newest
 * must read to its end, and the newest may end in a record cut short, with no valid record after
 * the cut. Only then is the lenient mode used, and it drops exactly that record, which belonged to
 * a write that never returned and so was never acknowledged.
 */
final class WalTail {
    private static final int BLOCK = 32 * 1024;
    private static final int HEADER = 7;
    private static final int MASK_DELTA = 0xa282ead8;
    private static final int FULL = 1;
    private static final int FIRST = 2;
    private static final int MIDDLE = 3;
    private static final int LAST = 4;

    /** What the logs hold. */
    enum Verdict {
        /** every log reads to its end: the strict open failed for another reason */
        CLEAN,
        /** the newest log ends in a record cut short, and nothing valid follows the cut */
        TORN_TAIL,
        /** damage a crash does not leave */
        DAMAGED
    }

    private WalTail() {
    }

    static Verdict examine(Path dir) throws IOException {
        List<Path> logs;
        try (Stream<Path> files = Files.list(dir)) {
            logs = files.filter(f -> f.getFileName().toString().matches("\\d+\\.log"))
                .sorted(Comparator.comparingLong(f -> Long.parseLong(f.getFileName().toString().replace(".log", ""))))
                .toList();
        }
        Verdict result = Verdict.CLEAN;
        for (int i = 0; i < logs.size(); i++) {
            Verdict v = examine(Files.readAllBytes(logs.get(i)));
            if (v == Verdict.DAMAGED || (v == Verdict.TORN_TAIL && i < logs.size() - 1)) {
                return Verdict.DAMAGED; // only the newest log can have been cut by a crash
            }
            if (v == Verdict.TORN_TAIL) {
                result = v;
            }
        }
        return result;
    }

    /** Reads one log as RocksDB's reader does, strictly. */
    static Verdict examine(byte[] log) {
        int pos = 0;
        boolean inFragments = false;
        while (pos < log.length) {
            int leftInBlock = BLOCK - pos % BLOCK;
            if (leftInBlock < HEADER) {
                pos += leftInBlock; // trailer
                continue;
            }
            if (log.length - pos < HEADER) {
                return tornAt(log, pos); // a header cut short
            }
            int length = (log[pos + 4] & 0xFF) | (log[pos + 5] & 0xFF) << 8;
            int type = log[pos + 6] & 0xFF;
            if (type == 0 && length == 0) {
                pos += leftInBlock; // preallocated space: RocksDB skips the rest of the block
                continue;
            }
            if (HEADER + length > leftInBlock) {
                return Verdict.DAMAGED; // a length no writer produces
            }
            if (pos + HEADER + length > log.length) {
                return tornAt(log, pos); // a record cut short
            }
            if (!checksumMatches(log, pos, length)) {
                return Verdict.DAMAGED;
            }
            switch (type) {
                case FULL -> {
                    if (inFragments) {
                        return Verdict.DAMAGED;
                    }
                }
                case FIRST -> {
                    if (inFragments) {
                        return Verdict.DAMAGED;
                    }
                    inFragments = true;
                }
                case MIDDLE -> {
                    if (!inFragments) {
                        return Verdict.DAMAGED;
                    }
                }
                case LAST -> {
                    if (!inFragments) {
                        return Verdict.DAMAGED;
                    }
                    inFragments = false;
                }
                default -> {
                    // a metadata record (compression, timestamp sizes): valid, not data
                }
            }
            pos += HEADER + length;
        }
        return inFragments ? Verdict.TORN_TAIL : Verdict.CLEAN; // ended between fragments of one record
    }

    /** The log ends at {@code cut} in a record cut short: torn only if no valid record starts after the cut. */
    private static Verdict tornAt(byte[] log, int cut) {
        for (int pos = cut + 1; pos + HEADER <= log.length; pos++) {
            int leftInBlock = BLOCK - pos % BLOCK;
            int length = (log[pos + 4] & 0xFF) | (log[pos + 5] & 0xFF) << 8;
            if (leftInBlock >= HEADER && HEADER + length <= leftInBlock && pos + HEADER + length <= log.length
                && length > 0 && checksumMatches(log, pos, length)) {
                return Verdict.DAMAGED; // a valid record after the "cut": damage in the middle, not a crash
            }
        }
        return Verdict.TORN_TAIL;
    }

    private static boolean checksumMatches(byte[] log, int pos, int length) {
        int stored = (log[pos] & 0xFF) | (log[pos + 1] & 0xFF) << 8 | (log[pos + 2] & 0xFF) << 16
            | (log[pos + 3] & 0xFF) << 24;
        CRC32C crc = new CRC32C();
        crc.update(log, pos + 6, 1 + length); // the type byte, then the payload
        int c = (int) crc.getValue();
        int masked = ((c >>> 15) | (c << 17)) + MASK_DELTA;
        return masked == stored;
    }
}
