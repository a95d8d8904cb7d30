package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.StorageConfig.Durability;
import dev.tern.broker.protocol.MqttVersion;
import dev.tern.broker.protocol.Properties;
import dev.tern.broker.routing.Message;
import dev.tern.broker.session.SessionStore;
import dev.tern.broker.storage.StorageException;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The write-ahead log as a crash leaves it. The files of an open store are copied (what a kill -9
 * leaves: every returned write is in the file), then the copy's log is cut short or damaged.
 * A record cut short at the end belongs to a write that never returned, so nothing acknowledged:
 * the open drops it. Damage anywhere else is refused, never silently cut off.
 */
class WalRecoveryTest {
    private static final int LARGE = 256 * 1024;

    @TempDir
    Path dir;
    @TempDir
    Path copy;

    private static Message message(int size, byte fill) {
        byte[] payload = new byte[size];
        java.util.Arrays.fill(payload, fill);
        return new Message("w/t", 1, false, Properties.EMPTY, Unpooled.wrappedBuffer(payload), Message.NO_EXPIRY, "p");
    }

    /** Stores {@code count} entries of {@code size} bytes for session "s", then one large one, and copies the files while open. */
    private void writeAndCopy(int count, int size) throws Exception {
        writeAndCopy(count, size, true);
    }

    private void writeAndCopy(int count, int size, boolean large) throws Exception {
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            store.saveSession(new SessionStore.SessionRecord("s", MqttVersion.MQTT_5, 3600, 1000, null));
            for (int i = 0; i < count; i++) {
                Message m = message(size, (byte) i);
                store.enqueue("s", i, m, 1, false, null);
                m.release();
            }
            if (large) {
                Message m = message(LARGE, (byte) 0x5A);
                store.enqueue("s", count, m, 1, false, null); // the last record: several 32 KiB log blocks
                m.release();
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    if (!f.getFileName().toString().equals("LOCK")) {
                        Files.copy(f, copy.resolve(f.getFileName()));
                    }
                }
            }
        }
    }

    private Path lastLog() throws Exception {
        try (Stream<Path> files = Files.list(copy)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log"))
                .max(Comparator.comparing(f -> f.getFileName().toString())).orElseThrow();
        }
    }

    private int entries(RocksStore store) {
        SessionStore.Recovered r = store.recover();
        int n = r.sessions().get(0).entries().size();
        r.sessions().get(0).entries().forEach(e -> e.message().release());
        return n;
    }

    @Test
    void aLargeRecordCutShortAtTheEndOfTheLogIsDroppedAndEverythingBeforeItKept() throws Exception {
        writeAndCopy(20, 100);
        Path log = lastLog();
        long size = Files.size(log);
        assertThat(size).as("the log holds the large record").isGreaterThan(LARGE);
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
            f.setLength(size - LARGE / 2); // killed in the middle of writing the large record
        }
        try (RocksStore store = RocksStore.open(copy, Durability.PROCESS)) {
            assertThat(entries(store)).as("the 20 written before it; the torn one was never acknowledged").isEqualTo(20);
        }
    }

    /**
     * The case RocksDB's lenient mode gets wrong: a damaged length field in the last 32 KiB block of
     * the log makes the record look cut short, and it would drop the valid records after it.
     */
    @Test
    void aDamagedLengthInTheLastBlockLooksLikeATornRecordButIsRefused() throws Exception {
        writeAndCopy(40, 100, false);
        Path log = lastLog();
        byte[] bytes = Files.readAllBytes(log);
        assertThat(bytes.length).as("one block").isLessThan(32 * 1024);
        int header = 0;
        for (int i = 0; i < 10; i++) {
            header += 7 + ((bytes[header + 4] & 0xFF) | (bytes[header + 5] & 0xFF) << 8);
        }
        int pastTheEnd = bytes.length - header + 1000;
        bytes[header + 4] = (byte) pastTheEnd;
        bytes[header + 5] = (byte) (pastTheEnd >> 8);
        Files.write(log, bytes);
        assertThatThrownBy(() -> RocksStore.open(copy, Durability.PROCESS).close())
            .isInstanceOf(StorageException.class)
            .hasMessageContaining("cannot be opened");
    }

    @Test
    void aDamagedRecordInTheMiddleOfTheLogStopsTheOpen() throws Exception {
        writeAndCopy(100, 4096);
        Path log = lastLog();
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
            f.seek(100 * 1024); // inside the small records, long before the end
            f.write(new byte[]{(byte) 0xDE, (byte) 0xAD, (byte) 0xBE, (byte) 0xEF, 0x00, 0x11, 0x22, 0x33});
        }
        assertThatThrownBy(() -> RocksStore.open(copy, Durability.PROCESS).close())
            .isInstanceOf(StorageException.class)
            .hasMessageContaining("cannot be opened")
            .hasMessageContaining("tern storage repair");
    }
}
