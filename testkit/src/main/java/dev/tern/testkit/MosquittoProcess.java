package dev.tern.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Mosquitto broker (Debian package {@code mosquitto}, installed by {@code .ci/deps}) started
 * by a test on a free loopback port, for tests that must run against a broker other than Tern.
 *
 * <pre>{@code
 * try (MosquittoProcess m = MosquittoProcess.start()) { ... m.port() ... }
 * }</pre>
 */
public final class MosquittoProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private MosquittoProcess(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Anonymous access on a free port. */
    public static MosquittoProcess start() {
        return start(List.of());
    }

    /**
     * Starts Mosquitto with extra configuration lines (e.g. {@code password_file ...},
     * {@code allow_anonymous false}); the listener and persistence lines are added here.
     */
    public static MosquittoProcess start(List<String> extraConfig) {
        return start(freePort(), extraConfig);
    }

    /** Starts on a given port (to restart a broker where clients expect it). */
    public static MosquittoProcess start(int port, List<String> extraConfig) {
        String binary = findBinary();
        try {
            Path dir = Files.createTempDirectory("mosquitto");
            List<String> conf = new ArrayList<>();
            conf.add("listener " + port + " 127.0.0.1");
            conf.add("persistence false");
            if (extraConfig.stream().noneMatch(l -> l.startsWith("allow_anonymous"))) {
                conf.add("allow_anonymous true");
            }
            conf.addAll(extraConfig);
            Path confFile = dir.resolve("mosquitto.conf");
            Files.write(confFile, conf);
            Process p = new ProcessBuilder(binary, "-c", confFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
            MosquittoProcess m = new MosquittoProcess(p, port, dir);
            m.awaitListening(Duration.ofSeconds(10));
            return m;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start mosquitto", e);
        }
    }

    /**
     * Writes a Mosquitto password file for one user (with {@code mosquitto_passwd}) and returns
     * the config lines that use it.
     */
    public static List<String> passwordConfig(String user, String password) {
        try {
            // readable by the unprivileged user Mosquitto switches to when started as root
            Path dir = Files.createTempDirectory("mosquitto-pw",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
            Path file = dir.resolve("passwd");
            Process p = new ProcessBuilder("mosquitto_passwd", "-b", "-c", file.toString(), user, password)
                .redirectErrorStream(true).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("mosquitto_passwd failed: " + new String(p.getInputStream().readAllBytes()));
            }
            readableByBroker(dir);
            readableByBroker(file);
            return List.of("allow_anonymous false", "password_file " + file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write mosquitto password file", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Started as root, mosquitto drops to the {@code mosquitto} user before it reads its files:
     * a file it needs (password file, certificate, key) and its directory must be readable by others.
     */
    public static void readableByBroker(Path path) {
        try {
            boolean dir = Files.isDirectory(path);
            Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString(dir ? "rwxr-xr-x" : "rw-r--r--"));
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot make " + path + " readable by mosquitto", e);
        }
    }

    private static String findBinary() {
        for (String candidate : List.of("/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("mosquitto is not installed: run .ci/deps (Debian package mosquitto)");
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited: " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port + " within " + timeout + ": " + log());
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 5 s). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
