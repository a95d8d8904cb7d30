package dev.tern.broker;

import java.nio.file.Path;
import java.util.List;

/**
 * The whole broker configuration: an immutable tree, validated when built. The CLI builds it from
 * {@code tern.yaml}; embedders build it in code.
 *
 * @param listeners where clients connect (default: one TCP listener on 0.0.0.0:1883)
 * @param mqtt      protocol limits and policies
 * @param storage   where state is kept. Embedded default: memory; {@code tern broker} defaults to RocksDB
 *                  under {@code dataDir} with durability process
 * @param dataDir   where durable state lives (default ./data)
 * @param ioThreads event-loop threads; 0 means one per available core (default 0)
 */
public record BrokerConfig(List<ListenerConfig> listeners, MqttConfig mqtt, StorageConfig storage, Path dataDir,
                           int ioThreads) {

    public BrokerConfig {
        listeners = List.copyOf(listeners);
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("listeners must name at least one listener");
        }
        long distinct = listeners.stream().map(ListenerConfig::name).distinct().count();
        if (distinct != listeners.size()) {
            throw new IllegalArgumentException("listeners[].name must be unique");
        }
        if (mqtt == null) {
            mqtt = MqttConfig.defaults();
        }
        if (storage == null) {
            storage = StorageConfig.memory();
        }
        if (dataDir == null) {
            dataDir = Path.of("data");
        }
        if (ioThreads < 0) {
            throw new IllegalArgumentException("ioThreads = " + ioThreads + " is not allowed: use 0 (one per core) or more");
        }
    }

    public static BrokerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the defaults of the embedded configuration. */
    public static final class Builder {
        private List<ListenerConfig> listeners = List.of(ListenerConfig.tcp("0.0.0.0", 1883));
        private MqttConfig mqtt = MqttConfig.defaults();
        private StorageConfig storage = StorageConfig.memory();
        private Path dataDir = Path.of("data");
        private int ioThreads;

        private Builder() {
        }

        public Builder listeners(List<ListenerConfig> v) { listeners = v; return this; }

        /** One TCP listener on the given host and port (0 picks a free port). */
        public Builder tcp(String host, int port) {
            listeners = List.of(ListenerConfig.tcp(host, port));
            return this;
        }

        public Builder mqtt(MqttConfig v) { mqtt = v; return this; }
        public Builder storage(StorageConfig v) { storage = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder ioThreads(int v) { ioThreads = v; return this; }

        public BrokerConfig build() {
            return new BrokerConfig(listeners, mqtt, storage, dataDir, ioThreads);
        }
    }
}
