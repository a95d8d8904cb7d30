package dev.tern.broker.storage;

import dev.tern.broker.StorageConfig.Durability;
import dev.tern.broker.protocol.ConnectPacket;
import dev.tern.broker.protocol.MqttVersion;
import dev.tern.broker.protocol.Properties;
import dev.tern.broker.routing.Message;
import dev.tern.broker.session.SessionStore;
import dev.tern.broker.storage.rocksdb.RocksStore;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The RocksDB store on a real disk: what is written is what {@code recover()} gives back. */
class RocksStoreTest {
    @TempDir
    Path dir;

    private static Message message(String topic, String payload) {
        Properties props = new Properties().contentType("text/plain").addUserProperty("k", "v").freeze();
        return new Message(topic, 1, false, props, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8),
            Message.NO_EXPIRY, "publisher");
    }

    @Test
    void sessionsQueuesAndInboundStateRoundTrip() {
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            ConnectPacket.Will will = new ConnectPacket.Will("w/t", "bye".getBytes(), 1, true,
                new Properties().willDelayInterval(5).freeze());
            store.saveSession(new SessionStore.SessionRecord("c1", MqttVersion.MQTT_5, 3600, 12345, will));
            Message m = message("a/b", "hello");
            store.enqueue("c1", 7, m, 1, false, new int[]{42});
            store.enqueue("c1", 6, m, 1, false, null);
            store.markSent("c1", 6);
            store.enqueue("c1", 8, m, 2, true, null);
            store.markReleased("c1", 8);
            store.addInboundQos2("c1", 99);
            m.release();
        }
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            SessionStore.Recovered r = store.recover();
            assertThat(r.sessions()).hasSize(1);
            SessionStore.StoredSession s = r.sessions().get(0);
            assertThat(s.record().expirySeconds()).isEqualTo(3600);
            assertThat(s.record().disconnectedAtMillis()).isEqualTo(12345);
            assertThat(s.record().will().topic()).isEqualTo("w/t");
            assertThat(s.record().will().properties().willDelayInterval()).isEqualTo(5);
            assertThat(s.inboundQos2()).containsExactly(99);
            List<SessionStore.StoredEntry> entries = new java.util.ArrayList<>(s.entries());
            assertThat(entries).extracting(SessionStore.StoredEntry::seq).containsExactly(6L, 7L, 8L);
            assertThat(entries.get(0).progress()).as("sent before").isEqualTo(SessionStore.Progress.SENT);
            entries.remove(0).message().release();
            assertThat(entries.get(0).subscriptionIds()).containsExactly(42);
            assertThat(entries.get(0).progress()).isEqualTo(SessionStore.Progress.QUEUED);
            assertThat(entries.get(1).progress()).isEqualTo(SessionStore.Progress.RELEASED);
            Message back = entries.get(0).message();
            assertThat(back).as("one message object shared by both entries").isSameAs(entries.get(1).message());
            assertThat(back.payload().toString(StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(back.properties().contentType()).isEqualTo("text/plain");
            assertThat(back.properties().userProperties()).hasSize(1);
            assertThat(back.publisherId()).isEqualTo("publisher");
            assertThat(store.counts().get("messages")).as("stored once").isEqualTo(1);
            entries.forEach(e -> e.message().release());
        }
    }

    @Test
    void theLastDequeueDeletesTheSharedMessage() {
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            Message m = message("a/b", "fan-out");
            Object h1 = store.enqueue("s1", 0, m, 1, false, null);
            Object h2 = store.enqueue("s2", 0, m, 1, false, null);
            assertThat(store.counts().get("messages")).isEqualTo(1);
            store.dequeue("s1", 0, h1);
            assertThat(store.counts().get("messages")).as("still referenced by s2").isEqualTo(1);
            store.dequeue("s2", 0, h2);
            assertThat(store.counts().get("messages")).isZero();
            assertThat(store.counts().get("queues")).isZero();
            Object h3 = store.enqueue("s3", 0, m, 1, false, null);
            assertThat(h3).as("a new generation after the last reference went").isNotSameAs(h1);
            assertThat(store.counts().get("messages")).isEqualTo(1);
            m.release();
        }
    }

    @Test
    void deletingASessionRemovesEverythingItOwned() {
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            store.saveSession(new SessionStore.SessionRecord("gone", MqttVersion.MQTT_3_1_1, -1, -1, null));
            store.saveSession(new SessionStore.SessionRecord("gone2", MqttVersion.MQTT_3_1_1, -1, -1, null));
            store.addInboundQos2("gone", 1);
            store.addInboundQos2("gone2", 1);
            store.deleteSession("gone");
            SessionStore.Recovered r = store.recover();
            assertThat(r.sessions()).extracting(s -> s.record().clientId()).containsExactly("gone2");
            assertThat(store.counts().get("inbound")).as("a client id that extends another is untouched").isEqualTo(1);
        }
    }

    @Test
    void fsyncDurabilityWritesBeforeTheActionRuns() {
        try (RocksStore store = RocksStore.open(dir, Durability.FSYNC)) {
            store.saveSession(new SessionStore.SessionRecord("c", MqttVersion.MQTT_5, 10, -1, null));
            AtomicBoolean ran = new AtomicBoolean();
            store.afterDurable(ok -> ran.set(ok));
            assertThat(ran).as("off an event loop the write is synchronous").isTrue();
            assertThat(store.counts().get("sessions")).isEqualTo(1);
        }
    }

    @Test
    void aStoreOfAnotherFormatIsRefused() throws Exception {
        RocksStore.open(dir, Durability.PROCESS).close();
        try (org.rocksdb.RocksDB db = openRaw()) {
            db.put("tern.format".getBytes(), new byte[]{0, 0, 0, 9});
        }
        assertThatThrownBy(() -> RocksStore.open(dir, Durability.PROCESS))
            .isInstanceOf(StorageException.class)
            .hasMessageContaining("format version 9");
    }

    @Test
    void aFormatVersion1StoreIsReadAndMarkedVersion2() throws Exception {
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            store.saveSession(new SessionStore.SessionRecord("old", MqttVersion.MQTT_5, 60, -1, null));
            Message m = message("a/b", "kept");
            store.enqueue("old", 3, m, 2, false, null);
            store.markReleased("old", 3);
            m.release();
        }
        try (org.rocksdb.RocksDB db = openRaw()) {
            db.put("tern.format".getBytes(), new byte[]{0, 0, 0, 1});
        }
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            assertThat(store.formatVersion()).isEqualTo(2);
            SessionStore.Recovered r = store.recover();
            assertThat(r.sessions().get(0).entries()).extracting(SessionStore.StoredEntry::progress)
                .as("format 1's released mark").containsExactly(SessionStore.Progress.RELEASED);
            r.sessions().get(0).entries().forEach(e -> e.message().release());
        }
        try (org.rocksdb.RocksDB db = openRaw()) {
            assertThat(db.get("tern.format".getBytes())).containsExactly(0, 0, 0, 2);
        }
    }

    @Test
    void aStoreInUseByAnotherOpenIsReportedAsInUseNotDamaged() {
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            assertThatThrownBy(() -> RocksStore.open(dir, Durability.PROCESS))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("in use by another process")
                .hasMessageNotContaining("tern storage repair");
        }
    }

    @Test
    void aDirectoryThatIsNotATernStoreIsRefused() throws Exception {
        Files.writeString(dir.resolve("CURRENT"), "MANIFEST-000001\n");
        assertThatThrownBy(() -> RocksStore.open(dir, Durability.PROCESS))
            .isInstanceOf(StorageException.class)
            .hasMessageContaining("cannot be opened")
            .hasMessageContaining("tern storage check");
    }

    private org.rocksdb.RocksDB openRaw() throws Exception {
        List<org.rocksdb.ColumnFamilyDescriptor> cfs = new java.util.ArrayList<>();
        cfs.add(new org.rocksdb.ColumnFamilyDescriptor(org.rocksdb.RocksDB.DEFAULT_COLUMN_FAMILY));
        for (String f : List.of("sessions", "subscriptions", "messages", "queues", "released", "inbound", "retained", "shared")) {
            cfs.add(new org.rocksdb.ColumnFamilyDescriptor(f.getBytes()));
        }
        return org.rocksdb.RocksDB.open(new org.rocksdb.DBOptions(), dir.toString(), cfs, new java.util.ArrayList<>());
    }
}
