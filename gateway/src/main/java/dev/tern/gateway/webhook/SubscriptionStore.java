package dev.tern.gateway.webhook;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Webhook subscriptions in one JSON file ({@code dataDir/webhook-subscriptions.json}), replaced
 * atomically on every change (write a temporary file, fsync, rename), so a crash leaves either the
 * old or the new list. Blocking: call it from a worker.
 */
public final class SubscriptionStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;

    public SubscriptionStore(Path dataDir) {
        this.file = dataDir.resolve("webhook-subscriptions.json");
    }

    public Path file() {
        return file;
    }

    public synchronized List<WebhookSubscription> load() {
        if (!Files.exists(file)) {
            return new ArrayList<>();
        }
        try {
            return JSON.readValue(file.toFile(), new TypeReference<List<WebhookSubscription>>() {
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read webhook subscriptions from " + file + ": " + e.getMessage(), e);
        }
    }

    public synchronized void save(List<WebhookSubscription> all) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            byte[] bytes = JSON.writeValueAsBytes(all);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            try {
                // it holds signing secrets: owner only
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write webhook subscriptions to " + file + ": " + e.getMessage(), e);
        }
    }
}
