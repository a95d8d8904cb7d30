package dev.tern.broker.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gathers the matches of one PUBLISH and folds several subscriptions of one session into one
 * delivery: the highest QoS, Retain As Published if any asks for it, and every subscription
 * identifier. One copy per session is what [MQTT-3.3.4-4] allows and what clients expect of
 * overlapping subscriptions. Reused per thread: it allocates only when a publish has more matches
 * than any before it.
 */
final class MatchCollector implements SubscriptionTree.MatchSink {
    private Subscriber[] subscribers = new Subscriber[16];
    private int[] qos = new int[16];
    private boolean[] rap = new boolean[16];
    private int[][] ids = new int[16][];
    private int count;
    private int[] table = new int[32];
    private final List<SharedGroup> groups = new ArrayList<>(4);
    private String publisherId;
    int matchedSubscriptions;

    void reset(String publisherId) {
        this.publisherId = publisherId;
        for (int i = 0; i < count; i++) {
            subscribers[i] = null;
            ids[i] = null;
        }
        count = 0;
        matchedSubscriptions = 0;
        groups.clear();
        Arrays.fill(table, 0);
    }

    @Override
    public void subscription(Subscription s) {
        matchedSubscriptions++;
        Subscriber sub = s.subscriber();
        // [MQTT-3.8.3-3] No Local: not to the connection that published it
        if (s.noLocal() && publisherId != null && publisherId.equals(sub.clientId())) {
            return;
        }
        int slot = find(sub);
        int index = table[slot] - 1;
        if (index < 0) {
            index = add(sub);
            table[slot] = index + 1;
            if (count * 2 > table.length) {
                rehash();
            }
        }
        qos[index] = Math.max(qos[index], s.qos());
        rap[index] |= s.retainAsPublished();
        if (s.subscriptionId() != 0) {
            int[] old = ids[index];
            int[] n = old == null ? new int[1] : Arrays.copyOf(old, old.length + 1);
            n[n.length - 1] = s.subscriptionId();
            ids[index] = n;
        }
    }

    @Override
    public void sharedGroup(SharedGroup g) {
        matchedSubscriptions++;
        groups.add(g);
    }

    private int add(Subscriber sub) {
        if (count == subscribers.length) {
            int n = count * 2;
            subscribers = Arrays.copyOf(subscribers, n);
            qos = Arrays.copyOf(qos, n);
            rap = Arrays.copyOf(rap, n);
            ids = Arrays.copyOf(ids, n);
        }
        subscribers[count] = sub;
        qos[count] = 0;
        rap[count] = false;
        ids[count] = null;
        return count++;
    }

    /** Open addressing on identity: the slot holding {@code sub}, or the empty slot where it belongs. */
    private int find(Subscriber sub) {
        int mask = table.length - 1;
        int slot = System.identityHashCode(sub) & mask;
        while (true) {
            int v = table[slot];
            if (v == 0 || subscribers[v - 1] == sub) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    private void rehash() {
        table = new int[table.length * 2];
        for (int i = 0; i < count; i++) {
            table[find(subscribers[i])] = i + 1;
        }
    }

    int count() {
        return count;
    }

    Subscriber subscriber(int i) {
        return subscribers[i];
    }

    int qos(int i) {
        return qos[i];
    }

    boolean retainAsPublished(int i) {
        return rap[i];
    }

    int[] subscriptionIds(int i) {
        return ids[i];
    }

    List<SharedGroup> groups() {
        return groups;
    }
}
