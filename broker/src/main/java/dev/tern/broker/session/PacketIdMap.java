package dev.tern.broker.session;

import io.netty.util.collection.IntObjectHashMap;

import java.util.Collection;

/**
 * Values by packet identifier. Packet identifiers are handed out in sequence, and Netty's
 * {@link IntObjectHashMap} places an int key at {@code key & mask}: a run of consecutive keys fills
 * a run of consecutive slots, and every removal then scans the whole run to close the gap, which
 * made acknowledging a window of tens of thousands of messages quadratic (the profile of a
 * persistent-session benchmark spent 88% of its time in {@code removeAt}). Scrambling the key with
 * an odd multiplier (a bijection on int) spreads consecutive identifiers over the table.
 */
final class PacketIdMap<V> {
    private static final int MIX = 0x9E3779B1;

    private final IntObjectHashMap<V> map;

    PacketIdMap(int initialCapacity) {
        map = new IntObjectHashMap<>(initialCapacity);
    }

    private static int mix(int packetId) {
        return packetId * MIX;
    }

    V get(int packetId) {
        return map.get(mix(packetId));
    }

    V put(int packetId, V value) {
        return map.put(mix(packetId), value);
    }

    V remove(int packetId) {
        return map.remove(mix(packetId));
    }

    boolean containsKey(int packetId) {
        return map.containsKey(mix(packetId));
    }

    int size() {
        return map.size();
    }

    boolean isEmpty() {
        return map.isEmpty();
    }

    Collection<V> values() {
        return map.values();
    }

    void clear() {
        map.clear();
    }
}
