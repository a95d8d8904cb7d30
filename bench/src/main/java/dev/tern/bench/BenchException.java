package dev.tern.bench;

/** A run could not be completed (connection refused, broker closed a connection, setup timed out). */
public final class BenchException extends RuntimeException {
    public BenchException(String message) {
        super(message);
    }
}
