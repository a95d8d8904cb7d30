package dev.tern.broker.retained;

import dev.tern.broker.routing.Message;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Retained messages in a tree keyed by topic level, so a wildcard filter visits only the branches
 * it can match. Writes serialise on the store; reads are lock-free. Expired messages are skipped
 * on read and handed to the expiry handler when found, by a read or by {@link #purgeExpired()}
 * (by default the handler drops them).
 */
public final class MemoryRetainedStore implements RetainedStore {
    private final Node root = new Node("");
    private final Clock clock;
    private final Consumer<Message> onExpired;
    /** No message expires before this (a lower bound): {@link #purgeExpired()} walks the tree only after it. */
    private final AtomicLong earliestExpiry = new AtomicLong(Message.NO_EXPIRY);
    private int size;

    public MemoryRetainedStore(Clock clock) {
        this.clock = clock;
        this.onExpired = this::removeIfSame;
    }

    /**
     * @param onExpired called (outside this store's lock) with each expired message found; the
     *                  durable store deletes it from disk and then calls {@link #removeIfSame}
     */
    public MemoryRetainedStore(Clock clock, Consumer<Message> onExpired) {
        this.clock = clock;
        this.onExpired = onExpired;
    }

    @Override
    public synchronized void put(Message message) {
        Node node = root;
        for (String level : message.topic().split("/", -1)) {
            node = node.children().computeIfAbsent(level, l -> new Node(l));
        }
        Message old = node.message;
        node.message = message.retain();
        if (message.hasExpiry()) {
            earliestExpiry.accumulateAndGet(message.expiresAtMillis(), Math::min);
        }
        if (old != null) {
            old.release();
        } else {
            size++;
        }
    }

    @Override
    public synchronized void remove(String topic) {
        String[] levels = topic.split("/", -1);
        Node[] path = new Node[levels.length + 1];
        path[0] = root;
        Node node = root;
        for (int i = 0; i < levels.length; i++) {
            ConcurrentHashMap<String, Node> c = node.children;
            node = c == null ? null : c.get(levels[i]);
            if (node == null) {
                return;
            }
            path[i + 1] = node;
        }
        Message old = node.message;
        if (old == null) {
            return;
        }
        node.message = null;
        old.release();
        size--;
        for (int i = levels.length; i > 0; i--) {
            Node n = path[i];
            if (n.message != null || (n.children != null && !n.children.isEmpty())) {
                break;
            }
            path[i - 1].children.remove(levels[i - 1]);
        }
    }

    @Override
    public void match(String topicFilter, Consumer<Message> consumer) {
        String[] levels = topicFilter.split("/", -1);
        long now = clock.millis();
        match(root, levels, 0, now, consumer, true);
    }

    private void match(Node node, String[] f, int i, long now, Consumer<Message> consumer, boolean top) {
        if (i == f.length) {
            emit(node, now, consumer);
            return;
        }
        String level = f[i];
        ConcurrentHashMap<String, Node> children = node.children;
        if (level.equals("#")) {
            // "a/#" matches "a" too [MQTT-4.7.1-2]
            if (!top) {
                emit(node, now, consumer);
            }
            if (children != null) {
                for (Node c : children.values()) {
                    if (!(top && c.level.startsWith("$"))) {
                        emitAll(c, now, consumer);
                    }
                }
            }
            return;
        }
        if (children == null) {
            return;
        }
        if (level.equals("+")) {
            for (Node c : children.values()) {
                // [MQTT-4.7.2-1] a leading wildcard does not match $ topics
                if (!(top && c.level.startsWith("$"))) {
                    match(c, f, i + 1, now, consumer, false);
                }
            }
        } else {
            Node c = children.get(level);
            if (c != null) {
                match(c, f, i + 1, now, consumer, false);
            }
        }
    }

    private void emitAll(Node node, long now, Consumer<Message> consumer) {
        emit(node, now, consumer);
        ConcurrentHashMap<String, Node> children = node.children;
        if (children != null) {
            for (Node c : children.values()) {
                emitAll(c, now, consumer);
            }
        }
    }

    private void emit(Node node, long now, Consumer<Message> consumer) {
        Message m = node.message;
        if (m == null) {
            return;
        }
        if (m.isExpired(now)) {
            onExpired.accept(m);
            return;
        }
        consumer.accept(m);
    }

    /** Whether {@code m} is the retained message of its topic now. */
    public boolean holds(Message m) {
        Node node = find(m.topic());
        return node != null && node.message == m;
    }

    /** Removes {@code m} if it is still the retained message of its topic; true when it was. */
    public synchronized boolean removeIfSame(Message m) {
        Node node = find(m.topic());
        if (node != null && node.message == m) {
            remove(m.topic());
            return true;
        }
        return false;
    }

    private Node find(String topic) {
        Node node = root;
        for (String level : topic.split("/", -1)) {
            ConcurrentHashMap<String, Node> c = node.children;
            node = c == null ? null : c.get(level);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /**
     * Hands every expired message to the expiry handler, so one nobody subscribes to goes too
     * (the broker's periodic scan calls this). Walks the tree only once something can have expired.
     */
    @Override
    public void purgeExpired() {
        long now = clock.millis();
        if (now < earliestExpiry.get()) {
            return;
        }
        earliestExpiry.set(Message.NO_EXPIRY); // puts during the walk lower it again
        List<Message> expired = new ArrayList<>();
        collectExpired(root, now, expired);
        for (Message m : expired) {
            onExpired.accept(m);
        }
    }

    private void collectExpired(Node node, long now, List<Message> expired) {
        Message m = node.message;
        if (m != null && m.hasExpiry()) {
            if (m.isExpired(now)) {
                expired.add(m);
            } else {
                earliestExpiry.accumulateAndGet(m.expiresAtMillis(), Math::min);
            }
        }
        ConcurrentHashMap<String, Node> children = node.children;
        if (children != null) {
            for (Node c : children.values()) {
                collectExpired(c, now, expired);
            }
        }
    }

    @Override
    public synchronized int size() {
        return size;
    }

    @Override
    public synchronized void close() {
        releaseAll(root);
        size = 0;
    }

    private void releaseAll(Node node) {
        if (node.message != null) {
            node.message.release();
            node.message = null;
        }
        if (node.children != null) {
            for (Node c : node.children.values()) {
                releaseAll(c);
            }
            node.children.clear();
        }
    }

    private static final class Node {
        final String level;
        volatile ConcurrentHashMap<String, Node> children;
        volatile Message message;

        Node(String level) {
            this.level = level;
        }

        ConcurrentHashMap<String, Node> children() {
            ConcurrentHashMap<String, Node> c = children;
            if (c == null) {
                children = c = new ConcurrentHashMap<>(4);
            }
            return c;
        }
    }
}
