package dev.tern.broker.storage;

/**
 * The store cannot be used: it cannot be opened, it is damaged, or it was written by an unknown
 * format. The message says what is wrong and what to do; the broker refuses to start rather than
 * start empty.
 */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
