package dev.tern.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.broker.Broker;
import dev.tern.broker.ListenerConfig;
import dev.tern.coap.CoapBridge;
import dev.tern.coap.CoapBridgeConfig;
import dev.tern.coap.CoapBridgeConfigException;
import dev.tern.coap.CoapBridgeConfigParser;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code coapBridge:} section of tern.yaml: the CoAP bridge running inside {@code tern broker}
 * and publishing to it over loopback MQTT (the broker's first TCP listener), with its meters in the
 * broker's registry. The section's keys are parsed and checked by the coap-bridge module.
 */
final class CoapBridgeSection implements AutoCloseable {
    private final CoapBridgeConfig config;
    private CoapBridge bridge;

    private CoapBridgeSection(CoapBridgeConfig config) {
        this.config = config;
    }

    /** Reads and validates the section; an absent file or section gives a section that does nothing. */
    static CoapBridgeSection load(Path configFile) throws ConfigException {
        if (configFile == null) {
            return new CoapBridgeSection(null);
        }
        Optional<JsonNode> node = ConfigLoader.section(configFile, "coapBridge");
        if (node.isEmpty()) {
            return new CoapBridgeSection(null);
        }
        try {
            return new CoapBridgeSection(CoapBridgeConfigParser.parse(node.get(), "coapBridge",
                CoapBridgeConfigParser.baseDirOf(configFile), CoapBridgeConfigParser.Mode.EMBEDDED));
        } catch (CoapBridgeConfigException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Starts the bridge against the running broker, if configured; returns the line to print, or null. */
    String start(Broker broker) throws ConfigException {
        if (config == null) {
            return null;
        }
        Broker.BoundListener tcp = broker.listeners().stream().filter(l -> l.transport() == ListenerConfig.Transport.TCP)
            .findFirst().orElseThrow(() -> new ConfigException("coapBridge needs a tcp listener to publish to the broker"));
        CoapBridgeConfig c = config.toBuilder().mqtt(config.mqtt().withServer(loopbackIfWildcard(tcp.host()), tcp.port())).build();
        try {
            bridge = CoapBridge.builder(c).meterRegistry(broker.metrics().registry()).build().start();
        } catch (CoapBridgeConfigException e) {
            throw new ConfigException(e.getMessage());
        }
        return "tern: coap-bridge listening for CoAP over udp on " + c.coapHost() + ":"
            + bridge.coapPort() + " (" + bridge.registry().size() + " devices), publishing to this broker";
    }

    private static String loopbackIfWildcard(String host) {
        try {
            InetAddress a = InetAddress.getByName(host);
            if (a.isAnyLocalAddress()) {
                return a.getAddress().length == 16 ? "::1" : "127.0.0.1";
            }
        } catch (UnknownHostException e) {
            // a name: use it as it is
        }
        return host;
    }

    @Override
    public void close() {
        if (bridge != null) {
            bridge.close();
        }
    }
}
