package dev.tern.broker.protocol;

/** One MQTT 5 User Property: a UTF-8 string pair. Order and duplicates are significant. */
public record UserProperty(String name, String value) {
}
