package dev.tern.coap;

/**
 * A resource of a device the bridge observes (or accepts pushes for): its path without the leading
 * '/', and the QoS its messages are published at, {@code null} for the bridge's default.
 */
public record DeviceResource(String path, Qos qos) {
}
