package dev.tern.cli;

import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.ListenerConfig;
import dev.tern.broker.storage.StorageException;
import dev.tern.gateway.Gateway;
import dev.tern.gateway.config.GatewayConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code tern broker}: runs the broker until interrupted. */
@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "Runs the MQTT broker (default: MQTT over TCP on 0.0.0.0:1883, state under ./data).")
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (see docs/configuration.md)")
    Path config;

    @Option(names = "--port", paramLabel = "N", description = "port of the MQTT TCP listener; 0 picks a free port")
    Integer port;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "directory for durable state (default ./data)")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        BrokerConfig cfg;
        CoapBridgeSection coapBridge;
        GatewayConfig gatewayConfig = null;
        try {
            ConfigLoader.Loaded loaded = config == null ? new ConfigLoader.Loaded(ConfigLoader.defaults(), null)
                : ConfigLoader.loadWithGateway(config);
            cfg = override(loaded.broker());
            coapBridge = CoapBridgeSection.load(config);
            if (loaded.gateway() != null) {
                gatewayConfig = EmbeddedGateway.parse(loaded.gateway(), cfg, config.toAbsolutePath().getParent());
            }
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("tern: configuration error: " + e.getMessage());
            return 2;
        }
        Broker broker;
        try {
            broker = Broker.builder().config(cfg).build().start();
        } catch (StorageException | IllegalStateException e) {
            // the store cannot be opened (damaged, in use, unknown format) or a listener cannot bind: the
            // message says what to do; no stack trace
            System.err.println("tern: cannot start: " + e.getMessage());
            return 1;
        }
        for (Broker.BoundListener l : broker.listeners()) {
            String path = l.transport() == ListenerConfig.Transport.WS ? listenerPath(cfg, l.name()) : "";
            System.out.println("tern: listening for MQTT over " + l.transport().name().toLowerCase() + " on "
                + l.host() + ":" + l.port() + path + " (listener '" + l.name() + "')");
        }
        try {
            String coapLine = coapBridge.start(broker);
            if (coapLine != null) {
                System.out.println(coapLine);
            }
        } catch (ConfigException | IllegalStateException e) {
            System.err.println("tern: cannot start the CoAP bridge: " + e.getMessage());
            close("broker", broker);
            return e instanceof ConfigException ? 2 : 1;
        }
        Gateway gateway = null;
        if (gatewayConfig != null) {
            try {
                gateway = EmbeddedGateway.start(gatewayConfig, broker);
            } catch (IllegalStateException e) {
                System.err.println("tern: cannot start the gateway: " + e.getMessage());
                close("CoAP bridge", coapBridge);
                close("broker", broker);
                return 1;
            }
            EmbeddedGateway.announce(gateway);
        }
        Gateway runningGateway = gateway;
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                // each part closes even if one before it fails: the broker's clean close flushes its state
                if (runningGateway != null) {
                    close("gateway", runningGateway);
                }
                close("CoAP bridge", coapBridge);
                if (close("broker", broker)) {
                    System.out.println("tern: stopped (state flushed and closed)");
                } else {
                    System.out.println("tern: stopped; the broker did not close cleanly (see above)");
                }
                System.out.flush();
            } finally {
                stopped.countDown();
            }
        }, "tern-shutdown"));
        stopped.await();
        return 0;
    }

    /** Closes one part; a failure is reported, not thrown, so the parts after it still close. True if it closed cleanly. */
    static boolean close(String part, AutoCloseable closeable) {
        try {
            closeable.close();
            return true;
        } catch (Exception e) {
            System.err.println("tern: closing the " + part + " failed: " + e);
            for (Throwable s : e.getSuppressed()) {
                System.err.println("tern:   and: " + s);
            }
            return false;
        }
    }

    private static String listenerPath(BrokerConfig cfg, String name) {
        return cfg.listeners().stream().filter(l -> l.name().equals(name)).map(ListenerConfig::path).findFirst().orElse("");
    }

    private BrokerConfig override(BrokerConfig cfg) {
        List<ListenerConfig> listeners = new ArrayList<>(cfg.listeners());
        if (port != null) {
            int index = -1;
            for (int i = 0; i < listeners.size(); i++) {
                if (listeners.get(i).transport() == ListenerConfig.Transport.TCP) {
                    index = i;
                    break;
                }
            }
            if (index < 0) {
                listeners.add(0, ListenerConfig.tcp("0.0.0.0", port));
            } else {
                ListenerConfig l = listeners.get(index);
                listeners.set(index, new ListenerConfig(l.name(), l.transport(), l.host(), port, l.path()));
            }
        }
        return new BrokerConfig(listeners, cfg.mqtt(), cfg.storage(), dataDir != null ? dataDir : cfg.dataDir(),
            cfg.ioThreads());
    }
}
