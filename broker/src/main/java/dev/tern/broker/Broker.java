package dev.tern.broker;

import dev.tern.broker.metrics.BrokerMetrics;
import dev.tern.broker.protocol.Disconnector;
import dev.tern.broker.protocol.Handlers;
import dev.tern.broker.protocol.MqttConnection;
import dev.tern.broker.protocol.ProtocolServices;
import dev.tern.broker.protocol.ReasonCode;
import dev.tern.broker.retained.MemoryRetainedStore;
import dev.tern.broker.retained.RetainedStore;
import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Router;
import dev.tern.broker.routing.SubscriptionTree;
import dev.tern.broker.session.SessionRegistry;
import dev.tern.broker.session.SessionServices;
import dev.tern.broker.session.SessionStore;
import dev.tern.broker.storage.memory.MemorySessionStore;
import dev.tern.broker.storage.rocksdb.RocksRetainedStore;
import dev.tern.broker.storage.rocksdb.RocksStore;
import dev.tern.broker.transport.MqttChannelInitializer;
import dev.tern.broker.transport.Transports;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The embeddable broker. {@code Broker.builder().config(cfg).build().start()} binds the listeners
 * and returns; {@link #close()} disconnects clients (MQTT 5 ones with 0x8B server shutting down)
 * and stops.
 *
 * <p>This class is the wiring: it builds every part once, with explicit constructors, so a test
 * can rebuild the broker in a few lines.
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final BrokerConfig config;
    private final Clock clock;
    private final BrokerMetrics metrics;
    private final SessionStore store;
    private final RetainedStore retained;
    private final SubscriptionTree subscriptions;
    private final Router router;
    private final SessionRegistry sessions;
    private final ProtocolServices protocol;
    private final Handlers handlers = Handlers.create();
    private EventLoopGroup bossGroup;
    private EventLoopGroup ioGroup;
    private ChannelGroup channels;
    private final List<Channel> serverChannels = new ArrayList<>();
    private final List<BoundListener> bound = new ArrayList<>();
    private ScheduledFuture<?> scan;
    private boolean closed;

    /** A listener that is accepting connections, with the port it actually got. */
    public record BoundListener(String name, ListenerConfig.Transport transport, String host, int port) {
    }

    private Broker(Builder b) {
        this.config = b.config;
        this.clock = b.clock;
        this.metrics = new BrokerMetrics(b.meterRegistry);
        if (config.storage().type() == StorageConfig.Type.ROCKSDB) {
            RocksStore rocks = RocksStore.open(config.dataDir(), config.storage().durability());
            try {
                rocks.guardFreeSpace(config.storage().minFreeDiskMb() << 20);
                this.retained = new RocksRetainedStore(rocks, clock);
            } catch (RuntimeException e) {
                rocks.close(); // a damaged retained record: refuse to start, and leave the store closed
                throw e;
            }
            this.store = rocks;
            metrics.gauge("tern.store.failing", "1 while the store cannot write or refuses additions (disk full)",
                () -> rocks.isFailing() ? 1 : 0);
            metrics.counter("tern.store.additions.refused", "messages, sessions and subscriptions refused for lack of"
                + " disk space", rocks::refusedAdditions);
            metrics.counter("tern.store.write.failures", "batches RocksDB failed to write", rocks::failedWrites);
            metrics.counter("tern.store.removals.failed", "deletes and marks in batches RocksDB failed to write (they"
                + " come back after a restart)", rocks::failedRemovals);
        } else {
            this.store = new MemorySessionStore();
            this.retained = new MemoryRetainedStore(clock);
        }
        Router.SharedQueueStore sharedStore = new Router.SharedQueueStore() {
            @Override
            public Object enqueueShared(String group, String topicFilter, long seq, Message message) {
                return store.enqueueShared(group, topicFilter, seq, message);
            }

            @Override
            public void dequeueShared(String group, String topicFilter, long seq, Object handle) {
                store.dequeueShared(group, topicFilter, seq, handle);
            }

            @Override
            public long mark() {
                return store.mark();
            }

            @Override
            public boolean acceptsAdditions() {
                return store.acceptsAdditions();
            }

            @Override
            public void afterDurable(WriteDone action) {
                store.afterDurable(action::run);
            }
        };
        this.subscriptions = new SubscriptionTree(sharedStore);
        this.router = new Router(subscriptions, retained, config.mqtt(), metrics, sharedStore);
        this.sessions = new SessionRegistry(new SessionServices(config.mqtt(), clock, metrics, router, subscriptions, store));
        this.protocol = new ProtocolServices(config.mqtt(), sessions, router, metrics, clock, store);
        metrics.gauge("tern.sessions", "sessions, connected or not", sessions::size);
        metrics.gauge("tern.subscriptions", "subscriptions, shared group members included", subscriptions::size);
        metrics.gauge("tern.retained.messages", "retained messages", retained::size);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Restores stored state, then binds every listener. Throws with the listener and address when
     * one cannot be bound.
     */
    public synchronized Broker start() {
        if (ioGroup != null) {
            throw new IllegalStateException("broker already started");
        }
        bossGroup = Transports.eventLoopGroup(1, "tern-accept");
        ioGroup = Transports.eventLoopGroup(config.ioThreads(), "tern-io");
        channels = new DefaultChannelGroup("tern-connections", GlobalEventExecutor.INSTANCE);
        try {
            sessions.restore(store.recover(), ioGroup);
            for (ListenerConfig l : config.listeners()) {
                ServerBootstrap b = new ServerBootstrap()
                    .group(bossGroup, ioGroup)
                    .channel(Transports.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new MqttChannelInitializer(l, protocol, handlers, channels));
                Channel ch;
                try {
                    ch = b.bind(l.host(), l.port()).syncUninterruptibly().channel();
                } catch (Exception e) {
                    throw new IllegalStateException("listener '" + l.name() + "' cannot bind " + l.host() + ":" + l.port()
                        + ": " + e.getMessage(), e);
                }
                serverChannels.add(ch);
                int port = ((InetSocketAddress) ch.localAddress()).getPort();
                bound.add(new BoundListener(l.name(), l.transport(), l.host(), port));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        long period = config.mqtt().sessionScanIntervalMs();
        scan = ioGroup.next().scheduleAtFixedRate(() -> {
            sessions.scan();
            retained.purgeExpired();
        }, period, period, TimeUnit.MILLISECONDS);
        LOG.info("Tern broker started ({} transport, {} I/O threads)", Transports.name(),
            config.ioThreads() == 0 ? "one per core:" + Runtime.getRuntime().availableProcessors() : config.ioThreads());
        return this;
    }

    /** The listeners accepting connections, with their actual ports. */
    public List<BoundListener> listeners() {
        return List.copyOf(bound);
    }

    /** The port of the first TCP listener. */
    public int port() {
        return bound.stream().filter(l -> l.transport() == ListenerConfig.Transport.TCP).findFirst()
            .orElseThrow(() -> new IllegalStateException("no TCP listener is bound")).port();
    }

    /** The port of a listener by name. */
    public int port(String listenerName) {
        return bound.stream().filter(l -> l.name().equals(listenerName)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no listener named " + listenerName)).port();
    }

    public BrokerConfig config() {
        return config;
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    public SessionStore store() {
        return store;
    }

    public RetainedStore retained() {
        return retained;
    }

    public SubscriptionTree subscriptions() {
        return subscriptions;
    }

    /** Stops accepting, disconnects every client (MQTT 5: DISCONNECT 0x8B) and releases everything. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ioGroup == null) {
            retained.close();
            store.close();
            return;
        }
        if (scan != null) {
            scan.cancel(false);
        }
        for (Channel ch : serverChannels) {
            ch.close().syncUninterruptibly();
        }
        serverChannels.clear();
        if (channels != null) {
            for (Channel ch : channels) {
                ch.eventLoop().execute(() -> {
                    MqttConnection c = ch.pipeline().get(MqttConnection.class);
                    if (c != null) {
                        Disconnector.disconnect(c, ReasonCode.SERVER_SHUTTING_DOWN, "the broker is shutting down");
                    } else {
                        ch.close();
                    }
                });
            }
            channels.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        ioGroup = null;
        for (var s : sessions.all()) {
            s.releaseAll();
            for (var sub : s.subscriptions()) {
                var group = sub.isShared() ? subscriptions.sharedGroup(sub.shareGroup(), sub.topicFilter()) : null;
                if (group != null) {
                    group.close(); // what it kept for members that never came back
                }
            }
        }
        retained.close();
        store.close();
        bound.clear();
        LOG.info("Tern broker stopped");
    }

    /** Builder for an embedded broker. */
    public static final class Builder {
        private BrokerConfig config = BrokerConfig.defaults();
        private MeterRegistry meterRegistry = new SimpleMeterRegistry();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        public Builder config(BrokerConfig config) {
            this.config = config;
            return this;
        }

        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Broker build() {
            return new Broker(this);
        }
    }
}
