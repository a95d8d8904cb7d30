package dev.tern.coap;

import org.eclipse.californium.core.network.Endpoint;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Keeps one {@link Observation} per (device, resource) the registry lists for devices that have an
 * address, and applies each new registry as a difference: new entries are registered, removed ones
 * forgotten, an entry whose device moved is registered at the new address, and a change of tenant
 * or QoS only changes where and how later notifications are published. Also the silence watchdog.
 * Threading: confined to the bridge's scheduler thread.
 */
final class ObservationManager {
    private record Key(String deviceId, String resource) {
    }

    private final Map<Key, Observation> observations = new HashMap<>();
    private final Endpoint endpoint;
    private final ScheduledThreadPoolExecutor executor;
    private final Forwarder forwarder;
    private final BridgeMetrics metrics;
    private final CoapBridgeConfig config;
    private final Clock clock;

    ObservationManager(Endpoint endpoint, ScheduledThreadPoolExecutor executor, Forwarder forwarder, BridgeMetrics metrics,
                       CoapBridgeConfig config, Clock clock) {
        this.endpoint = endpoint;
        this.executor = executor;
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
    }

    void apply(DeviceRegistry registry) {
        Set<Key> wanted = new HashSet<>();
        for (Device d : registry.devices()) {
            if (d.address() == null) {
                continue; // pushes only
            }
            for (DeviceResource r : d.resources()) {
                Key key = new Key(d.id(), r.path());
                wanted.add(key);
                Observation o = observations.get(key);
                if (o == null) {
                    o = new Observation(d, r.path(), endpoint, executor, forwarder, metrics, config, clock);
                    observations.put(key, o);
                    o.start();
                } else if (!Objects.equals(o.device().address(), d.address())) {
                    o.restart(d, "address-change");
                } else {
                    o.update(d);
                }
            }
        }
        for (Iterator<Map.Entry<Key, Observation>> it = observations.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Observation> e = it.next();
            if (!wanted.contains(e.getKey())) {
                e.getValue().stop();
                it.remove();
            }
        }
        metrics.configured(observations.size(), registry.size());
    }

    /** Registers again every active observation that has been silent longer than observe.silenceTimeout. */
    void checkSilence() {
        long timeout = config.silenceTimeout().toMillis();
        long now = clock.millis();
        for (Observation o : observations.values()) {
            if (o.state() == Observation.State.ACTIVE && now - o.lastHeardMillis() > timeout) {
                o.restart(o.device(), "silence");
            }
        }
    }

    void stopAll() {
        observations.values().forEach(Observation::stop);
        observations.clear();
        metrics.configured(0, 0);
    }
}
