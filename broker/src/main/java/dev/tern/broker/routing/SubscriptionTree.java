package dev.tern.broker.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The subscription index: a tree with one level of the topic hierarchy per node, '+' and '#'
 * children held apart from literal ones. Matching a topic walks at most the levels of the topic
 * once per wildcard branch and allocates nothing for small nodes.
 *
 * <p>Threading: {@link #match} runs lock-free on any event loop; subscribe and unsubscribe
 * serialise on the tree and publish each change by replacing immutable arrays (volatile writes),
 * so a concurrent match sees either the old or the new state of a node, never a torn one.
 */
public final class SubscriptionTree {
    private static final Subscription[] NO_SUBS = new Subscription[0];
    private static final SharedGroup[] NO_GROUPS = new SharedGroup[0];
    private static final int SMALL_CHILDREN = 8;

    /** Receives the matches of one topic. */
    public interface MatchSink {
        void subscription(Subscription s);

        void sharedGroup(SharedGroup g);
    }

    private final Node root = new Node(null, "");
    private final Router.SharedQueueStore sharedStore;
    /** One sequence for every shared group, so a group created again never reuses stored keys. */
    private final AtomicLong sharedSequence = new AtomicLong();
    private int size;

    /** A tree whose shared groups store nothing. */
    public SubscriptionTree() {
        this(null);
    }

    /** @param sharedStore where shared groups' waiting messages are stored, or null */
    public SubscriptionTree(Router.SharedQueueStore sharedStore) {
        this.sharedStore = sharedStore;
    }

    /**
     * Adds or replaces a subscription of the subscriber on the filter.
     *
     * @return the subscription it replaced, or null when the subscription is new
     */
    public synchronized Subscription subscribe(Subscription s) {
        Node node = root;
        for (String level : levels(s.topicFilter())) {
            node = node.childForWrite(level);
        }
        if (s.isShared()) {
            SharedGroup group = node.group(s.shareGroup());
            if (group == null) {
                group = new SharedGroup(s.shareGroup(), s.topicFilter(), sharedSequence);
                node.groups = append(node.groups, group);
            }
            Subscription old = group.put(s);
            if (old == null) {
                size++;
            }
            return old;
        }
        Subscription[] subs = node.subs;
        for (int i = 0; i < subs.length; i++) {
            if (subs[i].subscriber() == s.subscriber()) {
                Subscription old = subs[i];
                Subscription[] copy = subs.clone();
                copy[i] = s;
                node.subs = copy;
                return old;
            }
        }
        Subscription[] copy = Arrays.copyOf(subs, subs.length + 1);
        copy[subs.length] = s;
        node.subs = copy;
        size++;
        return null;
    }

    /**
     * Removes the subscriber's subscription on a filter (as the client sent it, with any $share
     * prefix already parsed into group and topic filter).
     *
     * @return the removed subscription, or null when there was none
     */
    public synchronized Subscription unsubscribe(Subscriber subscriber, String topicFilter, String shareGroup) {
        List<Node> path = new ArrayList<>();
        Node node = root;
        path.add(node);
        for (String level : levels(topicFilter)) {
            node = node.child(level);
            if (node == null) {
                return null;
            }
            path.add(node);
        }
        Subscription removed = null;
        if (shareGroup != null) {
            SharedGroup group = node.group(shareGroup);
            if (group != null) {
                removed = group.remove(subscriber);
                if (group.isEmpty()) {
                    // the last member left: what the group kept has nobody to go to, on disk too
                    node.groups = without(node.groups, group);
                    for (SharedGroup.Queued q : group.dissolve()) {
                        if (q.handle() != null && sharedStore != null) {
                            sharedStore.dequeueShared(group.name(), group.topicFilter(), q.seq(), q.handle());
                        }
                        q.message().release();
                    }
                }
            }
        } else {
            Subscription[] subs = node.subs;
            for (int i = 0; i < subs.length; i++) {
                if (subs[i].subscriber() == subscriber) {
                    removed = subs[i];
                    Subscription[] copy = new Subscription[subs.length - 1];
                    System.arraycopy(subs, 0, copy, 0, i);
                    System.arraycopy(subs, i + 1, copy, i, subs.length - i - 1);
                    node.subs = copy.length == 0 ? NO_SUBS : copy;
                    break;
                }
            }
        }
        if (removed != null) {
            size--;
            prune(path);
        }
        return removed;
    }

    /** A stored shared-group entry was read back: new entries of any group come after it. */
    public void advanceSharedSequence(long seq) {
        sharedSequence.accumulateAndGet(seq + 1, Math::max);
    }

    /** Number of subscriptions, shared members included. */
    public synchronized int size() {
        return size;
    }

    /** The shared group for a share name and filter, or null. */
    public SharedGroup sharedGroup(String group, String topicFilter) {
        Node node = root;
        for (String level : levels(topicFilter)) {
            node = node.child(level);
            if (node == null) {
                return null;
            }
        }
        return node.group(group);
    }

    /** Calls the sink for every subscription and shared group whose filter matches {@code topic}. */
    public void match(String topic, MatchSink sink) {
        // [MQTT-4.7.2-1] filters starting with a wildcard do not match topics starting with '$'
        boolean dollar = !topic.isEmpty() && topic.charAt(0) == '$';
        match(root, topic, 0, dollar, sink);
    }

    private void match(Node node, String topic, int start, boolean noWildcards, MatchSink sink) {
        int len = topic.length();
        if (start > len) {
            emit(node, sink);
            Node hash = node.hash;
            if (hash != null) {
                emit(hash, sink); // "a/#" also matches "a" [MQTT-4.7.1-2]
            }
            return;
        }
        int end = topic.indexOf('/', start);
        if (end < 0) {
            end = len;
        }
        if (!noWildcards) {
            Node hash = node.hash;
            if (hash != null) {
                emit(hash, sink);
            }
            Node plus = node.plus;
            if (plus != null) {
                match(plus, topic, end + 1, false, sink);
            }
        }
        Node child = node.child(topic, start, end);
        if (child != null) {
            match(child, topic, end + 1, false, sink);
        }
    }

    private static void emit(Node node, MatchSink sink) {
        for (Subscription s : node.subs) {
            sink.subscription(s);
        }
        for (SharedGroup g : node.groups) {
            sink.sharedGroup(g);
        }
    }

    private static void prune(List<Node> path) {
        for (int i = path.size() - 1; i > 0; i--) {
            Node n = path.get(i);
            if (!n.isEmpty()) {
                return;
            }
            path.get(i - 1).removeChild(n);
        }
    }

    static String[] levels(String filter) {
        return filter.split("/", -1);
    }

    private static SharedGroup[] append(SharedGroup[] a, SharedGroup g) {
        SharedGroup[] copy = Arrays.copyOf(a, a.length + 1);
        copy[a.length] = g;
        return copy;
    }

    private static SharedGroup[] without(SharedGroup[] a, SharedGroup g) {
        SharedGroup[] copy = new SharedGroup[a.length - 1];
        int j = 0;
        for (SharedGroup x : a) {
            if (x != g) {
                copy[j++] = x;
            }
        }
        return copy.length == 0 ? NO_GROUPS : copy;
    }

    /**
     * A level of the tree. Literal children live in {@code children}: null, one Node, a small
     * sorted-free Node[] or, past {@value #SMALL_CHILDREN}, a ConcurrentHashMap; each change
     * replaces the value so readers never see a half-written array.
     */
    private static final class Node {
        final Node parent;
        final String level;
        volatile Object children;
        volatile Node plus;
        volatile Node hash;
        volatile Subscription[] subs = NO_SUBS;
        volatile SharedGroup[] groups = NO_GROUPS;

        Node(Node parent, String level) {
            this.parent = parent;
            this.level = level;
        }

        boolean isEmpty() {
            return subs.length == 0 && groups.length == 0 && children == null && plus == null && hash == null;
        }

        SharedGroup group(String name) {
            for (SharedGroup g : groups) {
                if (g.name().equals(name)) {
                    return g;
                }
            }
            return null;
        }

        Node child(String level) {
            if (level.equals("+")) {
                return plus;
            }
            if (level.equals("#")) {
                return hash;
            }
            return child(level, 0, level.length());
        }

        @SuppressWarnings("unchecked")
        Node child(String topic, int start, int end) {
            Object c = children;
            if (c == null) {
                return null;
            }
            int len = end - start;
            if (c instanceof Node n) {
                return n.level.length() == len && topic.regionMatches(start, n.level, 0, len) ? n : null;
            }
            if (c instanceof Node[] arr) {
                for (Node n : arr) {
                    if (n.level.length() == len && topic.regionMatches(start, n.level, 0, len)) {
                        return n;
                    }
                }
                return null;
            }
            return ((ConcurrentHashMap<String, Node>) c).get(start == 0 && end == topic.length()
                ? topic : topic.substring(start, end));
        }

        @SuppressWarnings("unchecked")
        Node childForWrite(String level) {
            if (level.equals("+")) {
                Node p = plus;
                if (p == null) {
                    plus = p = new Node(this, level);
                }
                return p;
            }
            if (level.equals("#")) {
                Node h = hash;
                if (h == null) {
                    hash = h = new Node(this, level);
                }
                return h;
            }
            Node existing = child(level, 0, level.length());
            if (existing != null) {
                return existing;
            }
            Node created = new Node(this, level);
            Object c = children;
            if (c == null) {
                children = created;
            } else if (c instanceof Node n) {
                children = new Node[]{n, created};
            } else if (c instanceof Node[] arr) {
                if (arr.length < SMALL_CHILDREN) {
                    Node[] copy = Arrays.copyOf(arr, arr.length + 1);
                    copy[arr.length] = created;
                    children = copy;
                } else {
                    ConcurrentHashMap<String, Node> map = new ConcurrentHashMap<>();
                    for (Node n : arr) {
                        map.put(n.level, n);
                    }
                    map.put(level, created);
                    children = map;
                }
            } else {
                ((ConcurrentHashMap<String, Node>) c).put(level, created);
            }
            return created;
        }

        @SuppressWarnings("unchecked")
        void removeChild(Node child) {
            if (child == plus) {
                plus = null;
                return;
            }
            if (child == hash) {
                hash = null;
                return;
            }
            Object c = children;
            if (c == child) {
                children = null;
            } else if (c instanceof Node[] arr) {
                Node[] copy = new Node[arr.length - 1];
                int j = 0;
                for (Node n : arr) {
                    if (n != child) {
                        copy[j++] = n;
                    }
                }
                children = copy.length == 1 ? copy[0] : copy;
            } else if (c instanceof ConcurrentHashMap<?, ?> map) {
                ((ConcurrentHashMap<String, Node>) map).remove(child.level);
                if (map.isEmpty()) {
                    children = null;
                }
            }
        }
    }
}
