package dev.tern.cli;

/** A configuration file that cannot be used; the message names the key, the value and what is allowed. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
