package dev.tern.broker.routing;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.metrics.BrokerMetrics;
import dev.tern.broker.retained.RetainedStore;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Routes an application message to every matching session and shared group, and keeps the
 * retained store up to date. Called on the publisher's event loop; the deliveries themselves are
 * handed to each subscriber's own loop by {@link Subscriber#deliver}.
 */
public final class Router {
    private static final FastThreadLocal<MatchCollector> COLLECTOR = new FastThreadLocal<>() {
        @Override
        protected MatchCollector initialValue() {
            return new MatchCollector();
        }
    };

    private final SubscriptionTree tree;
    private final RetainedStore retained;
    private final MqttConfig config;
    private final BrokerMetrics metrics;
    private final SharedQueueStore sharedStore;

    /** Where a shared group's waiting messages are kept durable (the session store, seen from routing). */
    public interface SharedQueueStore {
        /** Stages a waiting message; returns a handle, or null when nothing is stored (or it was refused). */
        Object enqueueShared(String group, String topicFilter, long seq, Message message);

        void dequeueShared(String group, String topicFilter, long seq, Object handle);

        /** This thread's count of refused additions (see {@code SessionStore.mark()}). */
        default long mark() {
            return 0;
        }

        /** False while this thread's batch refuses additions (see {@code SessionStore.acceptsAdditions()}). */
        default boolean acceptsAdditions() {
            return true;
        }

        /** Runs the action once what this thread staged is durable (see {@code SessionStore.afterDurable}). */
        default void afterDurable(WriteDone action) {
            action.run(true);
        }

        /** An action that waits for a write. */
        @FunctionalInterface
        interface WriteDone {
            void run(boolean ok);
        }
    }

    public Router(SubscriptionTree tree, RetainedStore retained, MqttConfig config, BrokerMetrics metrics,
                  SharedQueueStore sharedStore) {
        this.tree = tree;
        this.retained = retained;
        this.config = config;
        this.metrics = metrics;
        this.sharedStore = sharedStore;
    }

    /**
     * Publishes a message: updates the retained store when RETAIN is set, then delivers it.
     * The caller keeps its own reference to the message.
     *
     * @return the number of matching subscriptions (0 lets MQTT 5 answer "no matching subscribers")
     */
    public int publish(Message message) {
        if (message.retainFlag()) {
            if (message.payloadLength() == 0) {
                retained.remove(message.topic()); // [MQTT-3.3.1-6] an empty retained message clears the topic
            } else {
                retained.put(message); // [MQTT-3.3.1-5]
            }
        }
        MatchCollector c = COLLECTOR.get();
        c.reset(message.publisherId());
        try {
            tree.match(message.topic(), c);
            int n = c.count();
            for (int i = 0; i < n; i++) {
                int qos = Math.min(message.qos(), c.qos(i));
                // [MQTT-3.3.1-12] [MQTT-3.3.1-13] RETAIN on forwarded messages only with Retain As Published
                boolean retainFlag = c.retainAsPublished(i) && message.retainFlag();
                c.subscriber(i).deliver(message, qos, retainFlag, c.subscriptionIds(i));
            }
            for (SharedGroup g : c.groups()) {
                deliverShared(g, message);
            }
            if (c.matchedSubscriptions == 0) {
                metrics.droppedNoSubscribers.increment();
            }
            return c.matchedSubscriptions;
        } finally {
            c.reset(null);
        }
    }

    private void deliverShared(SharedGroup g, Message message) {
        if (g.hasQueued()) {
            // keep the group's order: behind what already waits
            enqueueShared(g, message);
            drainShared(g);
            return;
        }
        Subscription member = g.pickOnline();
        if (member != null) {
            sendToMember(member, message);
        } else {
            enqueueShared(g, message);
        }
    }

    private void enqueueShared(SharedGroup g, Message message) {
        if (message.qos() == 0 && !config.queueQos0Messages()) {
            metrics.dropped(BrokerMetrics.DropReason.QOS0_OFFLINE, "$share/" + g.name(), message.topic());
            return;
        }
        boolean full = g.queuedCount() >= config.maxQueuedMessages();
        if (full && config.queueOverflowStrategy() == MqttConfig.QueueOverflowStrategy.DISCARD) {
            metrics.dropped(BrokerMetrics.DropReason.QUEUE_FULL, "$share/" + g.name(), message.topic());
            return;
        }
        long seq = g.nextSequence();
        Object handle = null;
        if (message.qos() > 0) {
            long mark = sharedStore.mark();
            handle = sharedStore.enqueueShared(g.name(), g.topicFilter(), seq, message);
            if (sharedStore.mark() != mark) {
                return; // refused (disk low on space): the publisher is refused, and nothing older is dropped for it
            }
        }
        if (full) {
            SharedGroup.Taken oldest = g.pollOldest();
            if (oldest != null) {
                if (oldest.durable() != null) {
                    finishShared(g, oldest.durable());
                }
                metrics.dropped(BrokerMetrics.DropReason.QUEUE_FULL, "$share/" + g.name(), oldest.message().topic());
            }
        }
        SharedGroup.Queued q = g.enqueue(message, seq, handle);
        if (q == null) {
            if (handle != null) {
                sharedStore.dequeueShared(g.name(), g.topicFilter(), seq, handle); // the group closed meanwhile
            }
            return;
        }
        if (handle != null) {
            // pending until durable: no other loop takes it (and deletes its entry) before this write lands
            sharedStore.afterDurable(ok -> {
                switch (g.stored(q, ok)) {
                    case DRAIN -> drainShared(g);
                    case DELETE -> sharedStore.dequeueShared(g.name(), g.topicFilter(), q.seq(), q.handle());
                    case KEEP -> {
                        // the broker is stopping: it stays stored
                    }
                }
            });
        }
    }

    private void finishShared(SharedGroup g, SharedGroup.Queued q) {
        if (q.handle() != null) {
            sharedStore.dequeueShared(g.name(), g.topicFilter(), q.seq(), q.handle());
        }
        q.message().release();
    }

    /** Hands a shared group's queued messages to its connected members, until none is connected. */
    public void drainShared(SharedGroup g) {
        while (g.hasQueued()) {
            Subscription member = g.pickOnline();
            if (member == null) {
                return;
            }
            if (!sharedStore.acceptsAdditions()) {
                return; // a move needs room for the member's copy: the messages wait for space
            }
            SharedGroup.Queued q = g.pollDurable();
            if (q == null) {
                return; // empty, or the oldest is not durable yet: its publisher drains once it is
            }
            try {
                sendToMember(member, q.message());
            } finally {
                finishShared(g, q);
            }
        }
    }

    /**
     * Puts back a stored shared-group entry at start, with the queue limit applied as when it was
     * queued (a crash can come between an entry's write and the write that dropped it for overflow).
     *
     * @return false when the entry is not kept (the caller removes it from the store)
     */
    public boolean restoreShared(SharedGroup g, long seq, Message message, Object handle) {
        if (g.queuedCount() >= config.maxQueuedMessages()) {
            if (config.queueOverflowStrategy() == MqttConfig.QueueOverflowStrategy.DISCARD) {
                metrics.dropped(BrokerMetrics.DropReason.QUEUE_FULL, "$share/" + g.name(), message.topic());
                return false;
            }
            SharedGroup.Taken oldest = g.pollOldest();
            if (oldest != null) {
                if (oldest.durable() != null) {
                    finishShared(g, oldest.durable());
                }
                metrics.dropped(BrokerMetrics.DropReason.QUEUE_FULL, "$share/" + g.name(), oldest.message().topic());
            }
        }
        return g.restore(seq, message, handle);
    }

    private static void sendToMember(Subscription member, Message message) {
        int qos = Math.min(message.qos(), member.qos());
        boolean retainFlag = member.retainAsPublished() && message.retainFlag();
        int[] ids = member.subscriptionId() != 0 ? new int[]{member.subscriptionId()} : null;
        member.subscriber().deliver(message, qos, retainFlag, ids);
    }

    /**
     * Sends the retained messages matching a new subscription to its subscriber, with RETAIN set
     * [MQTT-3.3.1-8]. Not for shared subscriptions (section 4.8.2): the caller skips those.
     */
    public void sendRetained(Subscription s) {
        int[] ids = s.subscriptionId() != 0 ? new int[]{s.subscriptionId()} : null;
        retained.match(s.topicFilter(), m -> s.subscriber().deliver(m, Math.min(m.qos(), s.qos()), true, ids));
    }

    public SubscriptionTree subscriptions() {
        return tree;
    }

    public RetainedStore retained() {
        return retained;
    }
}
