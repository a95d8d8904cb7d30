package dev.tern.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.ListenerConfig;
import dev.tern.gateway.Gateway;
import dev.tern.gateway.config.GatewayConfig;
import dev.tern.gateway.config.GatewayConfigException;
import dev.tern.gateway.config.GatewayConfigParser;

/**
 * The {@code gateway:} section of {@code tern.yaml}: parsed (and refused with its JSON path)
 * before the broker starts, started after it, pointed at the broker's first TCP listener for every
 * endpoint that names no serverHost/serverPort.
 */
final class EmbeddedGateway {
    private EmbeddedGateway() {
    }

    static GatewayConfig parse(JsonNode section, BrokerConfig broker, java.nio.file.Path configDir) throws ConfigException {
        try {
            GatewayConfig g = GatewayConfigParser.parse(section, "$.gateway", GatewayConfigParser.Mode.EMBEDDED, configDir);
            return section.has("dataDir") ? g : g.withDataDir(broker.dataDir().resolve("gateway"));
        } catch (GatewayConfigException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    static Gateway start(GatewayConfig config, Broker broker) {
        Broker.BoundListener tcp = broker.listeners().stream()
            .filter(l -> l.transport() == ListenerConfig.Transport.TCP).findFirst()
            .orElseThrow(() -> new IllegalStateException("the gateway needs a TCP listener of the broker to connect to"));
        String host = tcp.host() == null || tcp.host().equals("0.0.0.0") || tcp.host().equals("::") ? "127.0.0.1" : tcp.host();
        return Gateway.builder().config(config).embeddedBroker(host, tcp.port()).build().start();
    }

    static void announce(Gateway g) {
        StringBuilder apis = new StringBuilder();
        g.config().apis().forEach(a -> apis.append(apis.length() == 0 ? "" : ", ").append(a.id()).append(" at ").append(a.contextPath()));
        System.out.println("tern: gateway listening for HTTP on " + g.config().host() + ":" + g.port() + " (" + apis
            + "; webhook subscriptions under " + g.config().managementPath() + ")");
    }
}
