package dev.tern.bench.jmh;

import dev.tern.broker.routing.SubscriptionTree;

/**
 * Prints the heap a subscription tree of {@link SubscriptionSet} takes, without JMH:
 * {@code java -Xmx3g -cp 'bench/jmh/target/tern-bench-jmh.jar:bench/jmh/target/lib/*'
 * dev.tern.bench.jmh.SubscriptionTreeFootprint [TENANTS DEVICES]} (default 1000 x 1000).
 * The sessions are built before the first reading, so only the tree is counted.
 */
public final class SubscriptionTreeFootprint {
    private SubscriptionTreeFootprint() {
    }

    public static void main(String[] args) {
        int tenants = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int devices = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        SubscriptionSet set = new SubscriptionSet(tenants, devices);
        long before = SubscriptionSet.usedHeapAfterGc();
        long start = System.nanoTime();
        SubscriptionTree tree = set.build();
        long buildNanos = System.nanoTime() - start;
        long after = SubscriptionSet.usedHeapAfterGc();
        System.out.printf("%,d subscriptions: %,d bytes of heap, %.1f bytes per subscription; built in %.2f s%n",
            tree.size(), after - before, (after - before) / (double) tree.size(), buildNanos / 1e9);
        System.out.println("(the tree must stay reachable until here: " + tree.size() + " subscriptions, "
            + set.size() + " sessions)");
    }
}
