package dev.tern.cli;

import dev.tern.gateway.Gateway;
import dev.tern.gateway.config.GatewayConfig;
import dev.tern.gateway.config.GatewayConfigException;
import dev.tern.gateway.config.GatewayConfigParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code tern gateway}: runs the HTTP ⇄ MQTT 5 gateway alone, in front of any MQTT 5 broker. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
    description = "Runs the HTTP POST / HTTP GET / SSE / WebSocket / Webhook gateway to an MQTT 5 broker (see docs/gateway.md).")
public final class GatewayCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", required = true,
        description = "gateway configuration, YAML or JSON: the API definitions (a `gateway:` wrapper is accepted)")
    Path config;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port, overriding http.port; 0 picks a free one")
    Integer port;

    @Override
    public Integer call() throws Exception {
        GatewayConfig cfg;
        try {
            cfg = GatewayConfigParser.load(config);
        } catch (GatewayConfigException e) {
            System.err.println("tern: configuration error: " + e.getMessage());
            return 2;
        }
        if (port != null) {
            cfg = cfg.withPort(port);
        }
        Gateway gateway;
        try {
            gateway = Gateway.builder().config(cfg).build().start();
        } catch (IllegalStateException e) {
            System.err.println("tern: cannot start the gateway: " + e.getMessage());
            return 1;
        }
        EmbeddedGateway.announce(gateway);
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "tern-gateway-shutdown"));
        stopped.await();
        return 0;
    }
}
