package dev.tern.coap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bridge's meters (Micrometer), all named {@code tern.coap.*}; listed with their tags in
 * docs/coap-bridge.md.
 */
final class BridgeMetrics {
    /** Why something failed; the tag value of {@code tern.coap.failures}. */
    enum Failure {
        OBSERVE("observe"), PUBLISH("publish"), BACKLOG_FULL("backlog-full"), REGISTRY("registry");

        final String tag;

        Failure(String tag) {
            this.tag = tag;
        }
    }

    /** Why a pushed request was refused; the tag value of {@code tern.coap.refused}. */
    enum Refusal {
        UNKNOWN_DEVICE("unknown-device"), BAD_PATH("bad-path"), METHOD("method-not-allowed"), PUSH_DISABLED("push-disabled");

        final String tag;

        Refusal(String tag) {
            this.tag = tag;
        }
    }

    private final MeterRegistry registry;
    private final AtomicInteger activeObservations = new AtomicInteger();
    private final AtomicInteger configuredObservations = new AtomicInteger();
    private final AtomicInteger devices = new AtomicInteger();
    private final AtomicInteger pendingPublishes;
    private final Counter notificationsObserved;
    private final Counter notificationsPushed;
    private final Counter malformed;
    private final Counter registryReloads;
    private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();

    BridgeMetrics(MeterRegistry registry, AtomicInteger pendingPublishes) {
        this.registry = registry;
        this.pendingPublishes = pendingPublishes;
        Gauge.builder("tern.coap.observations.active", activeObservations, AtomicInteger::get)
            .description("CoAP observations with a live relation (registered, notifications expected)").register(registry);
        Gauge.builder("tern.coap.observations.configured", configuredObservations, AtomicInteger::get)
            .description("resources the registry asks to observe").register(registry);
        Gauge.builder("tern.coap.registry.devices", devices, AtomicInteger::get)
            .description("devices in the registry").register(registry);
        Gauge.builder("tern.coap.publishes.pending", pendingPublishes, AtomicInteger::get)
            .description("PUBLISHes sent to the broker and not yet acknowledged").register(registry);
        notificationsObserved = Counter.builder("tern.coap.notifications.in").tag("source", "observe")
            .description("CoAP notifications and pushes received from known devices").register(registry);
        notificationsPushed = Counter.builder("tern.coap.notifications.in").tag("source", "push")
            .description("CoAP notifications and pushes received from known devices").register(registry);
        malformed = Counter.builder("tern.coap.malformed")
            .description("UDP datagrams that were not well-formed CoAP messages").register(registry);
        registryReloads = Counter.builder("tern.coap.registry.reloads")
            .description("device registry files read and applied").register(registry);
        for (Qos q : Qos.values()) {
            counter("tern.coap.publishes.out", "qos", Integer.toString(q.level()));
        }
        for (Failure f : Failure.values()) {
            counter("tern.coap.failures", "reason", f.tag);
        }
        for (Refusal r : Refusal.values()) {
            counter("tern.coap.refused", "reason", r.tag);
        }
        for (String reason : new String[]{"address-change", "silence", "retry"}) {
            counter("tern.coap.reregistrations", "reason", reason);
        }
    }

    private Counter counter(String name, String tag, String value) {
        return counters.computeIfAbsent(name + '|' + value, k -> Counter.builder(name).tag(tag, value).register(registry));
    }

    MeterRegistry registry() {
        return registry;
    }

    AtomicInteger activeObservations() {
        return activeObservations;
    }

    void configured(int observations, int deviceCount) {
        configuredObservations.set(observations);
        devices.set(deviceCount);
    }

    void notificationIn(boolean pushed) {
        (pushed ? notificationsPushed : notificationsObserved).increment();
    }

    void publishOut(Qos qos) {
        counter("tern.coap.publishes.out", "qos", Integer.toString(qos.level())).increment();
    }

    void failure(Failure f) {
        counter("tern.coap.failures", "reason", f.tag).increment();
    }

    void refused(Refusal r) {
        counter("tern.coap.refused", "reason", r.tag).increment();
    }

    void reregistration(String reason) {
        counter("tern.coap.reregistrations", "reason", reason).increment();
    }

    void malformed() {
        malformed.increment();
    }

    void registryReloaded() {
        registryReloads.increment();
    }

    int pendingPublishes() {
        return pendingPublishes.get();
    }
}
