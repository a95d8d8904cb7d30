package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.StorageConfig;
import dev.tern.broker.StorageConfig.Durability;
import dev.tern.broker.protocol.MqttVersion;
import dev.tern.broker.protocol.Properties;
import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Subscription;
import dev.tern.broker.session.SessionStore;
import dev.tern.broker.storage.StorageException;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What recovery does with what a crash (or an older version) left that no longer fits together,
 * and what {@code tern storage check} and {@code repair} report and do about it.
 */
class StoreRecoveryTest {
    @TempDir
    Path dir;

    private static Message message(String payload) {
        return new Message("a/b", 1, false, Properties.EMPTY, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8),
            Message.NO_EXPIRY, "publisher");
    }

    /**
     * c1 has: seq 0 whose message was deleted (dangling), seq 1 (sent), seq 5 referencing message
     * id 100 that never existed (dangling, and the highest id referenced), a released mark for seq 9
     * with no entry. "ghost" has no session record but a subscription, an entry and an inbound id.
     */
    private void leaveCrashDebris() throws Exception {
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            store.saveSession(new SessionStore.SessionRecord("c1", MqttVersion.MQTT_5, 3600, 1000, null));
            Message a = message("a");
            Message b = message("b");
            Message c = message("c");
            RocksStore.StoredRef refA = (RocksStore.StoredRef) store.enqueue("c1", 0, a, 1, false, null);
            store.enqueue("c1", 1, b, 1, false, null);
            store.markSent("c1", 1);
            store.saveSubscription("ghost", new Subscription(null, "x/#", "x/#", null, 1, false, false, 0, 0));
            store.enqueue("ghost", 0, c, 1, false, null);
            store.addInboundQos2("ghost", 4);
            store.markReleased("c1", 9);
            store.db().delete(store.messages, Codec.longBytes(refA.id));
            store.db().put(store.queues, Codec.key("c1", Codec.longBytes(5)), Codec.entry(100, 1, false, null));
            a.release();
            b.release();
            c.release();
        }
    }

    @Test
    void recoveryDropsWhatNoLongerFitsAndNeverReusesAReferencedMessageId() throws Exception {
        leaveCrashDebris();
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            SessionStore.Recovered r = store.recover();
            assertThat(r.sessions()).extracting(s -> s.record().clientId()).containsExactly("c1");
            List<SessionStore.StoredEntry> entries = r.sessions().get(0).entries();
            assertThat(entries).extracting(SessionStore.StoredEntry::seq).containsExactly(1L);
            assertThat(entries.get(0).progress()).isEqualTo(SessionStore.Progress.SENT);
            assertThat(entries.get(0).message().payload().toString(StandardCharsets.UTF_8)).isEqualTo("b");
            entries.forEach(e -> e.message().release());
            assertThat(store.lastCleanup()).isEqualTo(new StoreRecovery.Cleanup(2, 4, 1));
            assertThat(store.counts()).containsEntry("queues", 1L).containsEntry("released", 1L)
                .containsEntry("subscriptions", 0L).containsEntry("inbound", 0L).containsEntry("messages", 1L);

            Message fresh = message("fresh");
            RocksStore.StoredRef ref = (RocksStore.StoredRef) store.enqueue("c1", 2, fresh, 1, false, null);
            assertThat(ref.id).as("above every id referenced, not only every id stored").isGreaterThan(100);
            fresh.release();
        }
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            SessionStore.Recovered r = store.recover();
            r.sessions().get(0).entries().forEach(e -> e.message().release());
            assertThat(store.lastCleanup().total()).as("dropped for good").isZero();
        }
    }

    @Test
    void checkReportsWhatIsLeftOverAndWritesNothing() throws Exception {
        leaveCrashDebris();
        StoreMaintenance.Report first = StoreMaintenance.check(dir);
        assertThat(first.leftOver()).isEqualTo(7);
        assertThat(first.counts()).containsEntry("queues", 4L);
        StoreMaintenance.Report second = StoreMaintenance.check(dir);
        assertThat(second.leftOver()).as("read-only: still there").isEqualTo(7);
        assertThat(second.counts()).containsEntry("queues", 4L);
    }

    @Test
    void checkWorksOnAStoreABrokerHasOpen() throws Exception {
        leaveCrashDebris();
        try (RocksStore running = RocksStore.open(dir, Durability.PROCESS)) {
            StoreMaintenance.Report report = StoreMaintenance.check(dir);
            assertThat(report.counts()).containsEntry("sessions", 1L);
        }
    }

    @Test
    void aRecordThatCannotBeDecodedIsReportedAsDamageWhateverTheDecoderThrows() throws Exception {
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            store.saveSession(new SessionStore.SessionRecord("c1", MqttVersion.MQTT_5, 3600, 1000, null));
            // a message whose properties do not decode (the protocol decoder throws its own exception)
            byte[] bad = {Codec.FORMAT, 0, 0, 0, 1, 'a', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x7F, 0x7F, 0x7F};
            store.db().put(store.messages, Codec.longBytes(1), bad);
            store.db().put(store.queues, Codec.key("c1", Codec.longBytes(0)), Codec.entry(1, 1, false, null));
        }
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            assertThatThrownBy(store::recover).isInstanceOf(StorageException.class)
                .hasMessageContaining("cannot be opened").hasMessageContaining("tern storage repair");
        }
        assertThatThrownBy(() -> StoreMaintenance.check(dir)).isInstanceOf(StorageException.class);
        StoreMaintenance.repair(dir, Durability.FSYNC);
        assertThat(StoreMaintenance.check(dir).counts()).containsEntry("messages", 0L).containsEntry("queues", 0L);
    }

    @Test
    void aDamagedRetainedRecordStopsTheBrokerCleanlyAndLeavesTheStoreClosed() throws Exception {
        try (RocksStore store = RocksStore.open(dir, Durability.PROCESS)) {
            store.db().put(store.retained, "t".getBytes(StandardCharsets.UTF_8), new byte[]{Codec.FORMAT, 0, 0});
        }
        BrokerConfig config = BrokerConfig.builder().tcp("127.0.0.1", 0)
            .storage(new StorageConfig(StorageConfig.Type.ROCKSDB, Durability.PROCESS, 0)).dataDir(dir).build();
        assertThatThrownBy(() -> Broker.builder().config(config).build()).isInstanceOf(StorageException.class)
            .hasMessageContaining("retained message cannot be read");
        assertThatThrownBy(() -> StoreMaintenance.check(dir)).isInstanceOf(StorageException.class)
            .hasMessageContaining("tern storage repair");
        RocksStore.open(dir, Durability.PROCESS).close(); // not left open (locked) by the failed start
    }

    @Test
    void repairDropsEntriesWhoseMessageIsMissing() throws Exception {
        leaveCrashDebris();
        StoreMaintenance.Report repaired = StoreMaintenance.repair(dir, Durability.FSYNC);
        assertThat(repaired.dropped()).isEqualTo(7);
        assertThat(repaired.counts()).containsEntry("queues", 1L);
        assertThat(StoreMaintenance.check(dir).leftOver()).isZero();
    }
}
