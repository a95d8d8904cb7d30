package dev.tern.coap;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CoAP -> MQTT bridge: observes the resources the device registry lists, accepts pushes, and
 * publishes each notification to the tenant's topic. One CoAP endpoint (UDP) serves both: the
 * observe requests leave from it and the pushes arrive on it.
 *
 * <pre>{@code
 * CoapBridge bridge = CoapBridge.builder(config).build().start();   // publishes to config.mqtt()
 * ...
 * bridge.close();
 * }</pre>
 *
 * Threading: registry reloads, observation state and the silence watchdog live on one scheduler
 * thread ("tern-coap-bridge"); Californium's own threads parse datagrams and handle pushes, which
 * read the registry through a volatile snapshot.
 */
public final class CoapBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoapBridge.class);

    private final CoapBridgeConfig config;
    private final MqttPublisher publisher;
    private final boolean ownsPublisher;
    private final AtomicInteger pending = new AtomicInteger();
    private final BridgeMetrics metrics;
    private final Clock clock;
    private final Duration bridgeThreadTimeout;
    private final Duration drainTimeout;
    private final ScheduledThreadPoolExecutor executor;
    private volatile DeviceRegistry registry = DeviceRegistry.EMPTY;
    private RegistryWatcher watcher;
    private ObservationManager observations;
    private MqttPublisher activePublisher;
    private CoapServer server;
    private CoapEndpoint endpoint;
    private boolean started;
    private boolean closed;

    private CoapBridge(Builder b) {
        this.config = b.config;
        this.ownsPublisher = b.publisher == null;
        this.publisher = b.publisher;
        this.metrics = new BridgeMetrics(b.meterRegistry, pending);
        this.clock = b.clock;
        this.bridgeThreadTimeout = b.bridgeThreadTimeout;
        this.drainTimeout = b.drainTimeout;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tern-coap-bridge");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    public static Builder builder(CoapBridgeConfig config) {
        return new Builder(config);
    }

    /**
     * Reads the registry, binds the CoAP endpoint, connects the publisher (unless one was given) and
     * starts observing.
     *
     * @throws CoapBridgeConfigException if the registry file is missing or invalid
     * @throws IllegalStateException     if the CoAP port cannot be bound
     */
    public synchronized CoapBridge start() throws CoapBridgeConfigException {
        if (started) {
            throw new IllegalStateException("already started");
        }
        watcher = new RegistryWatcher(config.registryFile(), metrics, this::applyRegistry);
        registry = watcher.loadInitial();
        started = true;

        MqttPublisher pub = ownsPublisher ? HiveMqPublisher.start(config.mqtt()) : publisher;
        activePublisher = pub;
        RateLimitedLog warnings = new RateLimitedLog(LOG, clock, 10_000);
        Forwarder forwarder = new Forwarder(config, pub, metrics, pending, warnings);

        try {
            Configuration coap = CaliforniumSetup.configuration(config.ackTimeout(), config.maxRetransmit(),
                config.reregistrationBackoff());
            server = new CoapServer(coap);
            endpoint = CaliforniumSetup.udpEndpoint(coap, new InetSocketAddress(config.coapHost(), config.coapPort()));
            endpoint.addPostProcessInterceptor(new CaliforniumSetup.MalformedCounter(metrics, warnings));
            server.addEndpoint(endpoint);
            server.setMessageDeliverer(new PushDeliverer(server.getRoot(), coap, () -> registry, forwarder, metrics, config,
                warnings));
            server.start();
        } catch (RuntimeException e) {
            try {
                close(); // what was set up so far: the server, the thread, the publisher
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw new IllegalStateException("cannot bind CoAP (UDP) on " + config.coapHost() + ":" + config.coapPort()
                + ": " + e.getMessage(), e);
        }

        observations = new ObservationManager(endpoint, executor, forwarder, metrics, config, clock);
        DeviceRegistry initial = registry;
        executor.execute(() -> observations.apply(initial));
        long reload = config.registryReloadInterval().toMillis();
        if (reload > 0) {
            executor.scheduleWithFixedDelay(watcher::check, reload, reload, TimeUnit.MILLISECONDS);
        }
        long silence = config.silenceTimeout().toMillis();
        if (silence > 0) {
            long period = Math.max(50, silence / 4);
            executor.scheduleWithFixedDelay(observations::checkSilence, period, period, TimeUnit.MILLISECONDS);
        }
        LOG.debug("coap-bridge: CoAP on udp {} ({} devices), publishing to {}", coapAddress(), initial.size(),
            ownsPublisher ? config.mqtt() : "the given publisher");
        return this;
    }

    private void applyRegistry(DeviceRegistry r) {
        registry = r;
        observations.apply(r);
    }

    /** Reads the registry file now (as the periodic check does) and waits until it is applied. */
    public void reload() {
        runOnBridgeThread(() -> watcher.check());
    }

    /** The bound CoAP address (with the real port when 0 was configured). */
    public InetSocketAddress coapAddress() {
        return endpoint.getAddress();
    }

    public int coapPort() {
        return endpoint.getAddress().getPort();
    }

    public CoapBridgeConfig config() {
        return config;
    }

    /** The registry in force. */
    public DeviceRegistry registry() {
        return registry;
    }

    public MeterRegistry meterRegistry() {
        return metrics.registry();
    }

    /**
     * Stops observing (forgetting the relations), closes the CoAP endpoint, waits up to 5 s for
     * unacknowledged PUBLISHes, disconnects. Every step runs even when an earlier one fails (the
     * bridge thread does not answer within 30 s, a step throws): the endpoint is released and the
     * publisher disconnected in any case; the first failure is then thrown, with the later ones
     * as suppressed exceptions.
     */
    @Override
    public synchronized void close() {
        if (!started || closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        if (observations != null) {
            failure = step(failure, () -> runOnBridgeThread(observations::stopAll));
        }
        failure = step(failure, executor::shutdownNow);
        if (server != null) {
            failure = step(failure, server::destroy);
        }
        failure = step(failure, this::awaitPending);
        if (ownsPublisher && activePublisher != null) {
            failure = step(failure, activePublisher::close);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Runs one close step; returns the first failure so far, with this step's added as suppressed. */
    private static RuntimeException step(RuntimeException first, Runnable step) {
        try {
            step.run();
            return first;
        } catch (RuntimeException e) {
            LOG.warn("coap-bridge: a step of closing failed (the others still run): {}", e.toString());
            if (first == null) {
                return e;
            }
            first.addSuppressed(e);
            return first;
        }
    }

    private void awaitPending() {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (pending.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (pending.get() > 0) {
            LOG.warn("coap-bridge: closing with {} PUBLISHes not acknowledged by the broker", pending.get());
        }
    }

    private void runOnBridgeThread(Runnable task) {
        try {
            executor.submit(task).get(bridgeThreadTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the bridge thread did not answer within " + bridgeThreadTimeout.toMillis() + " ms");
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the bridge thread is gone", e);
        }
    }

    public static final class Builder {
        private final CoapBridgeConfig config;
        private MqttPublisher publisher;
        private MeterRegistry meterRegistry = new SimpleMeterRegistry();
        private Clock clock = Clock.systemUTC();
        private Duration bridgeThreadTimeout = Duration.ofSeconds(30);
        private Duration drainTimeout = Duration.ofSeconds(5);

        private Builder(CoapBridgeConfig config) {
            this.config = config;
        }

        /** Publish through this instead of connecting to {@code config.mqtt()}; the caller closes it. */
        public Builder publisher(MqttPublisher publisher) {
            this.publisher = publisher;
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

        /** How long {@link #reload()} and {@link #close()} wait for the bridge thread (default 30 s); for tests. */
        Builder bridgeThreadTimeout(Duration timeout) {
            this.bridgeThreadTimeout = timeout;
            return this;
        }

        /** How long {@link #close()} waits for unacknowledged PUBLISHes (default 5 s); for tests. */
        Builder drainTimeout(Duration timeout) {
            this.drainTimeout = timeout;
            return this;
        }

        public CoapBridge build() {
            return new CoapBridge(this);
        }
    }
}
