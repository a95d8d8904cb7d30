package dev.tern.coap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The devices the bridge knows, by id: an immutable snapshot, replaced whole when the registry file
 * changes. The file (YAML, or JSON when its name ends in .json) looks like:
 *
 * <pre>
 * devices:
 *   - id: "00:13:50:05:00:6a:1b:2c"      # device id or MAC: one MQTT topic level
 *     tenant: tenantA
 *     address: "coap://[fd00::1]:5683"   # omitted for a device that only pushes
 *     resources:
 *       - temperature                    # observed, published at the default QoS
 *       - path: battery
 *         qos: AT_MOST_ONCE
 * </pre>
 */
public final class DeviceRegistry {
    public static final DeviceRegistry EMPTY = new DeviceRegistry(Map.of());
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Device> byId;

    private DeviceRegistry(Map<String, Device> byId) {
        this.byId = byId;
    }

    public static DeviceRegistry of(Collection<Device> devices) {
        Map<String, Device> m = new LinkedHashMap<>();
        for (Device d : devices) {
            if (m.putIfAbsent(d.id(), d) != null) {
                throw new IllegalArgumentException("device id " + d.id() + " appears twice");
            }
        }
        return new DeviceRegistry(Map.copyOf(m));
    }

    public Optional<Device> find(String deviceId) {
        return Optional.ofNullable(byId.get(deviceId));
    }

    public Collection<Device> devices() {
        return byId.values();
    }

    public int size() {
        return byId.size();
    }

    /**
     * Parses a registry file's text; {@code json} picks the JSON parser (else YAML). Errors name the
     * source, the key path and what is allowed.
     */
    public static DeviceRegistry parse(String text, String source, boolean json) throws CoapBridgeConfigException {
        JsonNode root;
        try {
            root = (json ? JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            throw new CoapBridgeConfigException(source + " is not valid " + (json ? "JSON" : "YAML") + ": " + e.getOriginalMessage()
                + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return EMPTY;
        }
        try {
            return parse(new ConfigNode(root, ""));
        } catch (CoapBridgeConfigException e) {
            throw new CoapBridgeConfigException(source + ": " + e.getMessage());
        }
    }

    private static DeviceRegistry parse(ConfigNode top) throws CoapBridgeConfigException {
        top.only("devices");
        if (!top.has("devices")) {
            return EMPTY;
        }
        ConfigNode list = top.child("devices");
        if (!list.node.isArray()) {
            throw new CoapBridgeConfigException(list.path + " must be a list of devices");
        }
        Map<String, Device> devices = new LinkedHashMap<>();
        for (int i = 0; i < list.node.size(); i++) {
            ConfigNode d = new ConfigNode(list.node.get(i), list.path + "[" + i + "]");
            Device device = device(d);
            if (devices.putIfAbsent(device.id(), device) != null) {
                throw new CoapBridgeConfigException(d.path("id") + " = " + device.id() + " appears twice: device ids must be unique");
            }
        }
        return new DeviceRegistry(Map.copyOf(devices));
    }

    private static Device device(ConfigNode d) throws CoapBridgeConfigException {
        d.only("id", "tenant", "address", "resources");
        String id = level(d, "id");
        String tenant = level(d, "tenant");
        CoapAddress address = null;
        if (d.has("address")) {
            try {
                address = CoapAddress.parse(d.string("address"));
            } catch (IllegalArgumentException e) {
                throw new CoapBridgeConfigException(d.path("address") + " = " + d.string("address") + " " + e.getMessage());
            }
        }
        List<DeviceResource> resources = new ArrayList<>();
        if (d.has("resources")) {
            ConfigNode list = d.child("resources");
            if (!list.node.isArray()) {
                throw new CoapBridgeConfigException(list.path + " must be a list of resource paths");
            }
            for (int i = 0; i < list.node.size(); i++) {
                ConfigNode r = new ConfigNode(list.node.get(i), list.path + "[" + i + "]");
                DeviceResource resource = resource(r);
                for (DeviceResource other : resources) {
                    if (other.path().equals(resource.path())) {
                        throw new CoapBridgeConfigException(r.path + " = " + resource.path() + " appears twice for device " + id);
                    }
                }
                resources.add(resource);
            }
        }
        return new Device(id, tenant, address, resources);
    }

    private static DeviceResource resource(ConfigNode r) throws CoapBridgeConfigException {
        String path;
        Qos qos = null;
        if (r.node.isValueNode()) {
            path = r.node.asText();
        } else {
            r.only("path", "qos");
            if (!r.has("path")) {
                throw new CoapBridgeConfigException(r.path("path") + " is missing: name the resource, e.g. path: temperature");
            }
            path = r.string("path");
            qos = r.qos("qos", null);
        }
        String problem = Names.resourceProblem(path);
        if (problem != null) {
            throw new CoapBridgeConfigException((r.node.isValueNode() ? r.path : r.path("path")) + " = " + path + " " + problem);
        }
        return new DeviceResource(Names.normalizeResource(path), qos);
    }

    private static String level(ConfigNode d, String key) throws CoapBridgeConfigException {
        if (!d.has(key)) {
            throw new CoapBridgeConfigException(d.path(key) + " is missing");
        }
        String v = d.string(key);
        String problem = Names.levelProblem(v);
        if (problem != null) {
            throw new CoapBridgeConfigException(d.path(key) + " = " + v + " " + problem);
        }
        return v;
    }
}
