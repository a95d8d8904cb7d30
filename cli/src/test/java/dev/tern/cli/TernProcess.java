package dev.tern.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tern started the way a user starts it, as a separate process from the packaged
 * {@code target/tern-cli.jar}, so a test can kill it with SIGKILL and start it again.
 */
final class TernProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening for MQTT over tcp on [^ ]+:(\\d+)");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final Thread reader;

    private TernProcess(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            port.completeExceptionally(new IllegalStateException("tern exited before listening:\n" + String.join("\n", output)));
        }, "tern-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Runs {@code tern <args>} and returns without waiting. */
    static TernProcess run(String... args) {
        Path jar = Path.of("target", "tern-cli.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: integration tests run after `mvn package`");
        }
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
            "-Xmx256m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            return new TernProcess(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start tern", e);
        }
    }

    /** Starts {@code tern broker --port 0 --data-dir DIR [--config FILE]} and waits until it listens. */
    static TernProcess broker(Path dataDir, Path config) {
        List<String> args = new ArrayList<>(List.of("broker", "--port", "0", "--data-dir", dataDir.toString()));
        if (config != null) {
            args.add("--config");
            args.add(config.toString());
        }
        TernProcess t = run(args.toArray(String[]::new));
        t.port(Duration.ofSeconds(60));
        return t;
    }

    int port(Duration timeout) {
        try {
            return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("tern did not start: " + e.getMessage() + "\n" + output(), e);
        }
    }

    int port() {
        return port(Duration.ofSeconds(60));
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    void kill9() {
        process.destroyForcibly();
        waitFor();
    }

    /** SIGTERM: the broker shuts down gracefully. */
    int stop() {
        // through the handle: Process.destroy() would also close our end of its output pipe at once
        process.toHandle().destroy();
        return waitFor();
    }

    int waitFor() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
            reader.join(5000); // the last lines of output
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String output() {
        return String.join("\n", output);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            waitFor();
        }
    }
}
