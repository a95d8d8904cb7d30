package dev.tern.broker.storage.rocksdb;

import dev.tern.broker.routing.Message;
import dev.tern.broker.session.SessionStore;
import dev.tern.broker.session.SessionStore.Progress;
import dev.tern.broker.session.SessionStore.SessionRecord;
import dev.tern.broker.session.SessionStore.StoredEntry;
import dev.tern.broker.session.SessionStore.StoredSession;
import dev.tern.broker.session.SessionStore.StoredSharedEntry;
import dev.tern.broker.session.SessionStore.StoredSubscription;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the whole store back at start ({@link RocksStore#recover()}), and drops what a crash or
 * an older version left behind that no longer fits together: queue and shared-group entries whose
 * message is gone (dangling), subscriptions, queue entries, marks and inbound ids of clients that
 * have no session record (orphans), marks without their entry, and messages no entry references.
 * Each kind dropped is logged with its count. A read-only store ({@code tern storage check}) only
 * counts them.
 *
 * <p>Message ids: the next id is set above every id stored <em>or referenced</em>, so a new message
 * never takes the id of one an entry still points at.
 */
final class StoreRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(StoreRecovery.class);

    /** What recovery dropped, by kind. */
    record Cleanup(long danglingEntries, long orphanRecords, long orphanMessages) {
        static final Cleanup NONE = new Cleanup(0, 0, 0);

        long total() {
            return danglingEntries + orphanRecords + orphanMessages;
        }
    }

    record Result(SessionStore.Recovered recovered, Cleanup cleanup) {
    }

    private final RocksStore store;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> deleteFamilies = new ArrayList<>();
    private final List<byte[]> deleteKeys = new ArrayList<>();
    private long dangling;
    private long orphanRecords;
    private long orphanMessages;
    private long maxId;

    StoreRecovery(RocksStore store) {
        this.store = store;
        this.db = store.db();
    }

    Result run() {
        Map<String, SessionRecord> records = readSessions();
        Map<Long, byte[]> messageBytes = readMessages();
        Map<String, List<StoredSubscription>> subs = readSubscriptions(records);
        Map<ByteBuffer, byte[]> marks = readMarks(records);
        Map<Long, Message> loaded = new HashMap<>();
        Map<Long, RocksStore.StoredRef> refs = new HashMap<>();
        Map<String, List<StoredEntry>> entries = readQueues(records, marks, messageBytes, loaded, refs);
        for (ByteBuffer key : marks.keySet()) {
            delete(store.released, key.array()); // a mark whose entry is gone
            orphanRecords++;
        }
        Map<String, List<Integer>> inboundIds = readInbound(records);
        List<StoredSharedEntry> sharedEntries = readShared(messageBytes, loaded, refs);
        for (Long id : messageBytes.keySet()) {
            if (!loaded.containsKey(id)) {
                delete(store.messages, Codec.longBytes(id)); // a crash between an entry's delete and its message's
                orphanMessages++;
            }
        }
        store.nextMessageIdAbove(maxId);
        // each loaded message carries one reference per entry, taken in message(); drop the loader's own
        for (Message m : loaded.values()) {
            m.release();
        }
        List<StoredSession> out = new ArrayList<>();
        for (SessionRecord r : records.values()) {
            List<Integer> ids = inboundIds.getOrDefault(r.clientId(), List.of());
            out.add(new StoredSession(r, subs.getOrDefault(r.clientId(), List.of()),
                entries.getOrDefault(r.clientId(), List.of()), ids.stream().mapToInt(Integer::intValue).toArray()));
        }
        Cleanup cleanup = new Cleanup(dangling, orphanRecords, orphanMessages);
        writeCleanup(cleanup);
        int queued = entries.values().stream().mapToInt(List::size).sum();
        LOG.info("recovered {} sessions, {} queued messages, {} shared-group messages from {}", out.size(), queued,
            sharedEntries.size(), store.dir());
        return new Result(new SessionStore.Recovered(out, sharedEntries), cleanup);
    }

    private Map<String, SessionRecord> readSessions() {
        Map<String, SessionRecord> records = new LinkedHashMap<>();
        try (RocksIterator it = db.newIterator(store.sessions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                String clientId = new String(it.key(), StandardCharsets.UTF_8);
                records.put(clientId, Codec.session(clientId, it.value()));
            }
            RocksStore.check(it);
        }
        return records;
    }

    private Map<Long, byte[]> readMessages() {
        Map<Long, byte[]> bytes = new HashMap<>();
        try (RocksIterator it = db.newIterator(store.messages)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long id = messageId(it.key());
                bytes.put(id, it.value());
                maxId = Math.max(maxId, id);
            }
            RocksStore.check(it);
        }
        return bytes;
    }

    private Map<String, List<StoredSubscription>> readSubscriptions(Map<String, SessionRecord> records) {
        Map<String, List<StoredSubscription>> subs = new HashMap<>();
        try (RocksIterator it = db.newIterator(store.subscriptions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                String clientId = Codec.prefixOf(it.key());
                String filter = new String(Codec.suffixOf(it.key()), StandardCharsets.UTF_8);
                StoredSubscription s = Codec.subscription(filter, it.value());
                if (!records.containsKey(clientId)) {
                    delete(store.subscriptions, it.key());
                    orphanRecords++;
                    continue;
                }
                subs.computeIfAbsent(clientId, k -> new ArrayList<>()).add(s);
            }
            RocksStore.check(it);
        }
        return subs;
    }

    /** Sent and released marks by key (removed from the map as their entries are read). */
    private Map<ByteBuffer, byte[]> readMarks(Map<String, SessionRecord> records) {
        Map<ByteBuffer, byte[]> marks = new HashMap<>();
        try (RocksIterator it = db.newIterator(store.released)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key();
                seqOf(key);
                progress(it.value());
                if (!records.containsKey(Codec.prefixOf(key))) {
                    delete(store.released, key);
                    orphanRecords++;
                    continue;
                }
                marks.put(ByteBuffer.wrap(key), it.value());
            }
            RocksStore.check(it);
        }
        return marks;
    }

    private Map<String, List<StoredEntry>> readQueues(Map<String, SessionRecord> records, Map<ByteBuffer, byte[]> marks,
                                                      Map<Long, byte[]> messageBytes, Map<Long, Message> loaded,
                                                      Map<Long, RocksStore.StoredRef> refs) {
        Map<String, List<StoredEntry>> entries = new HashMap<>();
        try (RocksIterator it = db.newIterator(store.queues)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key();
                String clientId = Codec.prefixOf(key);
                long seq = seqOf(key);
                Codec.Entry e = Codec.entry(it.value());
                maxId = Math.max(maxId, e.messageId());
                byte[] mark = marks.remove(ByteBuffer.wrap(key));
                if (!records.containsKey(clientId)) {
                    delete(store.queues, key);
                    orphanRecords++;
                    continue;
                }
                Message m = message(e.messageId(), messageBytes, loaded, refs);
                if (m == null) {
                    delete(store.queues, key);
                    if (mark != null) {
                        delete(store.released, key);
                    }
                    dangling++;
                    continue;
                }
                Progress progress = mark == null ? Progress.QUEUED : progress(mark);
                entries.computeIfAbsent(clientId, k -> new ArrayList<>()).add(new StoredEntry(seq, m, e.qos(),
                    e.retainFlag(), e.subscriptionIds(), progress, refs.get(e.messageId())));
            }
            RocksStore.check(it);
        }
        return entries;
    }

    private Map<String, List<Integer>> readInbound(Map<String, SessionRecord> records) {
        Map<String, List<Integer>> ids = new HashMap<>();
        try (RocksIterator it = db.newIterator(store.inbound)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                String clientId = Codec.prefixOf(it.key());
                int packetId = packetIdOf(it.key());
                if (!records.containsKey(clientId)) {
                    delete(store.inbound, it.key());
                    orphanRecords++;
                    continue;
                }
                ids.computeIfAbsent(clientId, k -> new ArrayList<>()).add(packetId);
            }
            RocksStore.check(it);
        }
        return ids;
    }

    private List<StoredSharedEntry> readShared(Map<Long, byte[]> messageBytes, Map<Long, Message> loaded,
                                               Map<Long, RocksStore.StoredRef> refs) {
        List<StoredSharedEntry> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator(store.shared)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                SharedKey k = sharedKey(it.key());
                long id = messageId(it.value());
                maxId = Math.max(maxId, id);
                Message m = message(id, messageBytes, loaded, refs);
                if (m == null) {
                    delete(store.shared, it.key());
                    dangling++;
                    continue;
                }
                out.add(new StoredSharedEntry(k.group, k.filter, k.seq, m, refs.get(id)));
            }
            RocksStore.check(it);
        }
        return out;
    }

    private void delete(ColumnFamilyHandle family, byte[] key) {
        deleteFamilies.add(family);
        deleteKeys.add(key);
    }

    private void writeCleanup(Cleanup c) {
        if (c.total() == 0) {
            return;
        }
        if (store.isReadOnly()) {
            LOG.warn("{} dangling entries, {} records of missing sessions or entries and {} unreferenced messages;"
                + " the broker drops them at its next start", c.danglingEntries(), c.orphanRecords(), c.orphanMessages());
            return;
        }
        try (WriteBatch b = new WriteBatch(); WriteOptions sync = new WriteOptions().setSync(true)) {
            for (int i = 0; i < deleteKeys.size(); i++) {
                b.delete(deleteFamilies.get(i), deleteKeys.get(i));
            }
            db.write(sync, b);
        } catch (RocksDBException e) {
            LOG.warn("could not drop what recovery found left over ({}); it is dropped at the next start",
                e.getMessage());
            return;
        }
        if (c.danglingEntries() > 0) {
            LOG.warn("dropped {} queue and shared-group entries whose message was missing", c.danglingEntries());
        }
        if (c.orphanRecords() > 0) {
            LOG.warn("dropped {} subscriptions, queue entries, marks and inbound ids of sessions or entries that no"
                + " longer exist", c.orphanRecords());
        }
        if (c.orphanMessages() > 0) {
            LOG.info("dropped {} stored messages no entry referenced", c.orphanMessages());
        }
    }

    /** The message for an id, loading it once; each call adds one reference (owned by the entry). */
    private static Message message(long id, Map<Long, byte[]> bytes, Map<Long, Message> loaded,
                                   Map<Long, RocksStore.StoredRef> refs) {
        Message m = loaded.get(id);
        if (m == null) {
            byte[] b = bytes.get(id);
            if (b == null) {
                return null;
            }
            m = Codec.message(b);
            RocksStore.StoredRef ref = new RocksStore.StoredRef(id);
            ref.refs.set(0);
            m.casStoreRef(null, ref);
            loaded.put(id, m);
            refs.put(id, ref);
        }
        refs.get(id).refs.incrementAndGet();
        return m.retain();
    }

    // --- decoding of keys and marks, shared with repair's readable() ------------------------------

    private record SharedKey(String group, String filter, long seq) {
    }

    private static SharedKey sharedKey(byte[] key) {
        byte[] rest = Codec.suffixOf(key);
        byte[] seq = Codec.suffixOf(rest);
        if (seq.length != 8) {
            throw new Codec.CorruptRecordException("shared-group key with a " + seq.length + "-byte sequence");
        }
        return new SharedKey(Codec.prefixOf(key), Codec.prefixOf(rest), ByteBuffer.wrap(seq).getLong());
    }

    private static long messageId(byte[] eightBytes) {
        if (eightBytes.length != 8) {
            throw new Codec.CorruptRecordException("message id of " + eightBytes.length + " bytes");
        }
        return ByteBuffer.wrap(eightBytes).getLong();
    }

    private static long seqOf(byte[] key) {
        return messageId(Codec.suffixOf(key));
    }

    private static int packetIdOf(byte[] key) {
        byte[] s = Codec.suffixOf(key);
        if (s.length != 2) {
            throw new Codec.CorruptRecordException("inbound packet id of " + s.length + " bytes");
        }
        return ((s[0] & 0xFF) << 8) | (s[1] & 0xFF);
    }

    static Progress progress(byte[] mark) {
        if (Arrays.equals(mark, RocksStore.RELEASED)) {
            return Progress.RELEASED;
        }
        if (Arrays.equals(mark, RocksStore.SENT)) {
            return Progress.SENT;
        }
        throw new Codec.CorruptRecordException("unknown delivery mark " + Arrays.toString(mark));
    }

    /** Whether a record decodes as recovery reads it (repair drops the ones that do not). */
    static boolean readable(String family, byte[] key, byte[] value) {
        try {
            switch (family) {
                case "sessions" -> Codec.session(new String(key, StandardCharsets.UTF_8), value);
                case "subscriptions" -> {
                    Codec.prefixOf(key);
                    Codec.subscription("", value);
                }
                case "messages" -> {
                    messageId(key);
                    Codec.message(value).release();
                }
                case "retained" -> Codec.message(value).release();
                case "queues" -> {
                    seqOf(key);
                    Codec.entry(value);
                }
                case "released" -> {
                    seqOf(key);
                    progress(value);
                }
                case "inbound" -> packetIdOf(key);
                case "shared" -> {
                    sharedKey(key);
                    messageId(value);
                }
                default -> throw new IllegalArgumentException("unknown family " + family);
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
