package dev.tern.connectors.test;

import dev.tern.testkit.MosquittoProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Mosquitto (Debian package) on a free port. Like the reference's test broker it queues
 * without limit ({@code max_queued_messages 0}); further lines (password file...) can be added.
 */
public final class MosquittoTestBroker implements TestBroker {
    private final List<String> config;
    private MosquittoProcess process;

    private MosquittoTestBroker(List<String> extraConfig) {
        extraConfig.stream().filter(l -> l.startsWith("password_file ")).forEach(MosquittoTestBroker::makeReadable);
        this.config = new ArrayList<>(extraConfig);
        this.config.add("max_queued_messages 0");
        this.process = MosquittoProcess.start(config);
    }

    /**
     * Mosquitto started as root drops to the {@code mosquitto} user, which cannot read the password
     * file that {@code MosquittoProcess.passwordConfig} writes into a private (0700) temp dir.
     */
    private static void makeReadable(String passwordFileLine) {
        Path file = Path.of(passwordFileLine.substring("password_file ".length()).trim());
        try {
            Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static MosquittoTestBroker start() {
        return new MosquittoTestBroker(List.of());
    }

    public static MosquittoTestBroker start(List<String> extraConfig) {
        return new MosquittoTestBroker(extraConfig);
    }

    @Override
    public String name() {
        return "mosquitto";
    }

    @Override
    public String uri() {
        return process.uri();
    }

    @Override
    public int port() {
        return process.port();
    }

    public String log() {
        return process.log();
    }

    @Override
    public void restart() {
        int port = process.port();
        process.close();
        process = MosquittoProcess.start(port, config);
    }

    @Override
    public void close() {
        process.close();
    }
}
