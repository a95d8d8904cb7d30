package dev.tern.coap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Reads the device registry file and hands each new valid version to the bridge. It re-reads the
 * file every reload interval and acts only when the content changed (polling, not a file-system
 * watch: watches miss changes on network and container file systems, and a poll of a small file
 * is cheap). A file that is missing or invalid at reload leaves the previous registry in force,
 * counts failures{reason=registry} and logs the error, each once per distinct problem.
 * Threading: {@link #check()} runs on the bridge's scheduler thread.
 */
final class RegistryWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryWatcher.class);

    private final Path file;
    private final BridgeMetrics metrics;
    private final Consumer<DeviceRegistry> onChange;
    private byte[] lastContent;
    private String lastError;

    RegistryWatcher(Path file, BridgeMetrics metrics, Consumer<DeviceRegistry> onChange) {
        this.file = file;
        this.metrics = metrics;
        this.onChange = onChange;
    }

    /** Reads the registry once at start; there a bad file is an error, not a warning. */
    DeviceRegistry loadInitial() throws CoapBridgeConfigException {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CoapBridgeConfigException("device registry " + file + " does not exist");
        } catch (IOException e) {
            throw new CoapBridgeConfigException("cannot read device registry " + file + ": " + e.getMessage());
        }
        DeviceRegistry r = parse(content);
        lastContent = content;
        metrics.registryReloaded();
        return r;
    }

    /** Applies the file if its content changed since the last version read. */
    void check() {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            problem("cannot read device registry " + file + " (" + e + "); keeping the previous one");
            return;
        }
        if (Arrays.equals(content, lastContent)) {
            return;
        }
        DeviceRegistry r;
        try {
            r = parse(content);
        } catch (CoapBridgeConfigException e) {
            lastContent = content; // do not report the same bad version again
            problem(e.getMessage() + "; keeping the previous registry");
            return;
        }
        lastContent = content;
        lastError = null;
        metrics.registryReloaded();
        LOG.info("coap-bridge: device registry {} reloaded: {} devices", file, r.size());
        onChange.accept(r);
    }

    private DeviceRegistry parse(byte[] content) throws CoapBridgeConfigException {
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        return DeviceRegistry.parse(new String(content, StandardCharsets.UTF_8), file.toString(), json);
    }

    private void problem(String message) {
        if (!message.equals(lastError)) {
            metrics.failure(BridgeMetrics.Failure.REGISTRY);
            LOG.warn("coap-bridge: {}", message);
            lastError = message;
        }
    }
}
