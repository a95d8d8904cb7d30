package dev.tern.cli;

import dev.tern.coap.CoapBridge;
import dev.tern.coap.CoapBridgeConfig;
import dev.tern.coap.CoapBridgeConfigException;
import dev.tern.coap.CoapBridgeConfigParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code tern coap-bridge --config FILE}: the CoAP -> MQTT bridge alone, publishing to any MQTT 5 broker. */
@Command(name = "coap-bridge", mixinStandardHelpOptions = true,
    description = "Runs the CoAP -> MQTT bridge alone: observes the registry's CoAP devices, accepts their pushes, "
        + "and publishes to the MQTT 5 broker named in the file (see docs/coap-bridge.md).")
public final class CoapBridgeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", required = true,
        description = "YAML file with the bridge's keys at top level (registry, coap, observe, push, publish, mqtt)")
    Path config;

    @Override
    public Integer call() throws Exception {
        CoapBridgeConfig cfg;
        try {
            cfg = CoapBridgeConfigParser.load(config);
        } catch (CoapBridgeConfigException e) {
            System.err.println("tern: configuration error: " + e.getMessage());
            return 2;
        }
        CoapBridge bridge;
        try {
            bridge = CoapBridge.builder(cfg).build().start();
        } catch (CoapBridgeConfigException e) {
            System.err.println("tern: configuration error: " + e.getMessage());
            return 2;
        } catch (IllegalStateException e) {
            System.err.println("tern: cannot start: " + e.getMessage());
            return 1;
        }
        System.out.println("tern: coap-bridge listening for CoAP over udp on " + cfg.coapHost() + ":"
            + bridge.coapPort() + " (" + bridge.registry().size() + " devices), publishing to MQTT broker "
            + cfg.mqtt().serverHost() + ":" + cfg.mqtt().serverPort());
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                BrokerCommand.close("CoAP bridge", bridge);
                System.out.println("tern: coap-bridge stopped");
                System.out.flush();
            } finally {
                stopped.countDown();
            }
        }, "tern-shutdown"));
        stopped.await();
        return 0;
    }
}
