package dev.tern.bench.jmh;

import dev.tern.broker.routing.Subscription;
import dev.tern.broker.routing.SubscriptionTree;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * A large, realistic subscription set: {@code tenants x devices} device sessions, each subscribed
 * to its own command topic {@code tenant/T/device/D/cmd}, plus per tenant one monitoring session
 * on {@code tenant/T/device/+/status} and one on {@code tenant/T/#}.
 */
final class SubscriptionSet {
    final int tenants;
    final int devices;
    final CountingSubscriber[] sessions;

    SubscriptionSet(int tenants, int devices) {
        this.tenants = tenants;
        this.devices = devices;
        this.sessions = new CountingSubscriber[tenants * devices + 2 * tenants];
        for (int i = 0; i < sessions.length; i++) {
            sessions[i] = new CountingSubscriber("c" + i);
        }
    }

    int size() {
        return sessions.length;
    }

    static String commandTopic(int tenant, int device) {
        return "tenant/" + tenant + "/device/" + device + "/cmd";
    }

    static String statusTopic(int tenant, int device) {
        return "tenant/" + tenant + "/device/" + device + "/status";
    }

    SubscriptionTree build() {
        SubscriptionTree tree = new SubscriptionTree();
        int i = 0;
        for (int t = 0; t < tenants; t++) {
            for (int d = 0; d < devices; d++) {
                String f = commandTopic(t, d);
                tree.subscribe(new Subscription(sessions[i++], f, f, null, 1, false, false, 0, 0));
            }
        }
        for (int t = 0; t < tenants; t++) {
            String status = "tenant/" + t + "/device/+/status";
            tree.subscribe(new Subscription(sessions[i++], status, status, null, 1, false, false, 0, 0));
            String all = "tenant/" + t + "/#";
            tree.subscribe(new Subscription(sessions[i++], all, all, null, 0, false, false, 0, 0));
        }
        return tree;
    }

    /** Heap in use after full collections have settled. */
    static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
