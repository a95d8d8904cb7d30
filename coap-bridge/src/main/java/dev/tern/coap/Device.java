package dev.tern.coap;

import java.util.List;
import java.util.Optional;

/**
 * A device of the registry: its id (e.g. its MAC address), the tenant that owns it, where its CoAP
 * server is ({@code null} for a device that only pushes) and the resources to observe.
 */
public record Device(String id, String tenant, CoapAddress address, List<DeviceResource> resources) {
    public Device {
        resources = List.copyOf(resources);
    }

    public Optional<DeviceResource> resource(String path) {
        for (DeviceResource r : resources) {
            if (r.path().equals(path)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
