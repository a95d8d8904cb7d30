package dev.tern.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.ListenerConfig;
import dev.tern.broker.MqttConfig;
import dev.tern.broker.StorageConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code tern.yaml} into a {@link BrokerConfig}, once, at start. Every key is checked: an
 * unknown key, a value of the wrong type or out of range stops the start with a message naming
 * the key, the value and what is allowed. Keys and defaults are listed in docs/configuration.md.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigLoader() {
    }

    /** The embedded defaults of {@code tern broker}: as {@link BrokerConfig#defaults()}, but durable. */
    public static BrokerConfig defaults() {
        return BrokerConfig.builder().storage(new StorageConfig(StorageConfig.Type.ROCKSDB, StorageConfig.Durability.PROCESS)).build();
    }

    /** The broker configuration and, when the file has one, the raw {@code gateway:} section (parsed by the gateway module). */
    public record Loaded(BrokerConfig broker, JsonNode gateway) {
    }

    public static BrokerConfig load(Path file) throws ConfigException {
        return loadWithGateway(file).broker();
    }

    public static Loaded loadWithGateway(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        return parseWithGateway(text, file.toString());
    }

    static BrokerConfig parse(String yaml, String source) throws ConfigException {
        return parseWithGateway(yaml, source).broker();
    }

    static Loaded parseWithGateway(String yaml, String source) throws ConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + " is not valid YAML: " + e.getOriginalMessage()
                + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new Loaded(defaults(), null);
        }
        Node top = new Node(root, "");
        // coapBridge: and gateway: are parsed and validated by their modules (CoapBridgeSection, EmbeddedGateway)
        top.only("listeners", "mqtt", "storage", "dataDir", "ioThreads", "coapBridge", "gateway");
        JsonNode gateway = top.has("gateway") ? root.get("gateway") : null;
        BrokerConfig.Builder b = BrokerConfig.builder().storage(defaults().storage());
        if (top.has("storage")) {
            b.storage(storage(top.child("storage")));
        }
        if (top.has("listeners")) {
            b.listeners(listeners(top.child("listeners")));
        }
        if (top.has("mqtt")) {
            b.mqtt(mqtt(top.child("mqtt")));
        }
        if (top.has("dataDir")) {
            b.dataDir(Path.of(top.string("dataDir")));
        }
        if (top.has("ioThreads")) {
            b.ioThreads(top.integer("ioThreads", 0, 1024));
        }
        try {
            return new Loaded(b.build(), gateway);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * The raw value of a top-level section that another module parses and validates (e.g.
     * {@code coapBridge:}); empty when the file does not have it.
     */
    static Optional<JsonNode> section(Path file, String key) throws ConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        return root == null || !root.hasNonNull(key) ? Optional.empty() : Optional.of(root.get(key));
    }

    private static List<ListenerConfig> listeners(Node list) throws ConfigException {
        if (!list.node.isArray()) {
            throw new ConfigException(list.path + " must be a list of listeners");
        }
        List<ListenerConfig> out = new ArrayList<>();
        for (int i = 0; i < list.node.size(); i++) {
            Node l = new Node(list.node.get(i), list.path + "[" + i + "]");
            l.only("name", "transport", "host", "port", "path");
            String transportName = l.has("transport") ? l.string("transport") : "tcp";
            ListenerConfig.Transport transport;
            try {
                transport = ListenerConfig.Transport.valueOf(transportName.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(l.path + ".transport = " + transportName + " is not allowed: use tcp or ws");
            }
            String name = l.has("name") ? l.string("name") : transport.name().toLowerCase(Locale.ROOT) + (i == 0 ? "" : "-" + i);
            int port = l.has("port") ? l.integer("port", 0, 65535) : (transport == ListenerConfig.Transport.TCP ? 1883 : 8080);
            try {
                out.add(new ListenerConfig(name, transport, l.has("host") ? l.string("host") : null, port,
                    l.has("path") ? l.string("path") : null));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        return out;
    }

    private static StorageConfig storage(Node s) throws ConfigException {
        s.only("type", "durability", "minFreeDiskMb");
        StorageConfig.Type type = StorageConfig.Type.ROCKSDB;
        StorageConfig.Durability durability = StorageConfig.Durability.PROCESS;
        if (s.has("type")) {
            String t = s.string("type");
            switch (t) {
                case "rocksdb" -> type = StorageConfig.Type.ROCKSDB;
                case "memory" -> type = StorageConfig.Type.MEMORY;
                default -> throw new ConfigException(s.path("type") + " = " + t + " is not allowed: use rocksdb or memory");
            }
        }
        if (s.has("durability")) {
            String d = s.string("durability");
            switch (d) {
                case "process" -> durability = StorageConfig.Durability.PROCESS;
                case "fsync" -> durability = StorageConfig.Durability.FSYNC;
                default -> throw new ConfigException(s.path("durability") + " = " + d + " is not allowed: use process or fsync");
            }
        }
        long minFree = s.has("minFreeDiskMb") ? s.longValue("minFreeDiskMb", 0, Long.MAX_VALUE >> 20)
            : StorageConfig.DEFAULT_MIN_FREE_DISK_MB;
        return new StorageConfig(type, durability, minFree);
    }

    private static MqttConfig mqtt(Node m) throws ConfigException {
        m.only("receiveMaximum", "topicAliasMaximum", "maximumPacketSize", "serverKeepAlive", "allowLinkStealing",
            "defaultMqttSessionExpiryInterval", "sessionScanInterval", "maxQueuedMessages", "queueOverflowStrategy",
            "queueQos0Messages", "maxClientIdLength", "maxTopicLength", "maximumQoS", "retainAvailable",
            "wildcardSubscriptionAvailable", "subscriptionIdentifierAvailable", "sharedSubscriptionAvailable",
            "maxInflightMessages", "outboundTopicAliases", "connectTimeout",
            "closeMqttConnectionOnPublishAuthorizationFailure");
        MqttConfig.Builder b = MqttConfig.builder();
        if (m.has("receiveMaximum")) b.receiveMaximum(m.integer("receiveMaximum", -1, 65535));
        if (m.has("topicAliasMaximum")) b.topicAliasMaximum(m.integer("topicAliasMaximum", -1, 65535));
        if (m.has("maximumPacketSize")) b.maximumPacketSize(m.longValue("maximumPacketSize", -1, 268435455L));
        if (m.has("serverKeepAlive")) b.serverKeepAlive(m.integer("serverKeepAlive", -1, 65535));
        if (m.has("allowLinkStealing")) b.allowLinkStealing(m.bool("allowLinkStealing"));
        if (m.has("defaultMqttSessionExpiryInterval")) {
            b.defaultMqttSessionExpiryInterval(m.longValue("defaultMqttSessionExpiryInterval", -1, 4294967295L));
        }
        if (m.has("sessionScanInterval")) b.sessionScanIntervalMs(m.longValue("sessionScanInterval", 100, Long.MAX_VALUE));
        if (m.has("maxQueuedMessages")) b.maxQueuedMessages(m.integer("maxQueuedMessages", 0, Integer.MAX_VALUE));
        if (m.has("queueOverflowStrategy")) {
            String s = m.string("queueOverflowStrategy");
            switch (s) {
                case "discard" -> b.queueOverflowStrategy(MqttConfig.QueueOverflowStrategy.DISCARD);
                case "discard-oldest" -> b.queueOverflowStrategy(MqttConfig.QueueOverflowStrategy.DISCARD_OLDEST);
                default -> throw new ConfigException(m.path("queueOverflowStrategy") + " = " + s
                    + " is not allowed: use discard or discard-oldest");
            }
        }
        if (m.has("queueQos0Messages")) b.queueQos0Messages(m.bool("queueQos0Messages"));
        if (m.has("maxClientIdLength")) b.maxClientIdLength(m.integer("maxClientIdLength", 1, 65535));
        if (m.has("maxTopicLength")) b.maxTopicLength(m.integer("maxTopicLength", 1, 65535));
        if (m.has("maximumQoS")) b.maximumQoS(m.integer("maximumQoS", 0, 2));
        if (m.has("retainAvailable")) b.retainAvailable(m.bool("retainAvailable"));
        if (m.has("wildcardSubscriptionAvailable")) b.wildcardSubscriptionAvailable(m.bool("wildcardSubscriptionAvailable"));
        if (m.has("subscriptionIdentifierAvailable")) b.subscriptionIdentifierAvailable(m.bool("subscriptionIdentifierAvailable"));
        if (m.has("sharedSubscriptionAvailable")) b.sharedSubscriptionAvailable(m.bool("sharedSubscriptionAvailable"));
        if (m.has("maxInflightMessages")) b.maxInflightMessages(m.integer("maxInflightMessages", 1, 65535));
        if (m.has("outboundTopicAliases")) b.outboundTopicAliases(m.bool("outboundTopicAliases"));
        if (m.has("connectTimeout")) b.connectTimeoutMs(m.longValue("connectTimeout", 100, Long.MAX_VALUE));
        if (m.has("closeMqttConnectionOnPublishAuthorizationFailure")) {
            b.closeMqttConnectionOnPublishAuthorizationFailure(m.bool("closeMqttConnectionOnPublishAuthorizationFailure"));
        }
        try {
            MqttConfig c = b.build();
            if (c.receiveMaximum() == 0) {
                throw new ConfigException("mqtt.receiveMaximum = 0 is prohibited by MQTT 5: use 1..65535 or -1");
            }
            return c;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** A YAML mapping with the key path that leads to it, for messages that name the key. */
    private static final class Node {
        final JsonNode node;
        final String path;

        Node(JsonNode node, String path) {
            this.node = node;
            this.path = path;
        }

        String path(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        void only(String... keys) throws ConfigException {
            if (!node.isObject()) {
                throw new ConfigException((path.isEmpty() ? "the file" : path) + " must be a mapping of keys to values");
            }
            Set<String> allowed = Set.of(keys);
            Iterator<String> it = node.fieldNames();
            while (it.hasNext()) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    String hint = closest(k, keys);
                    throw new ConfigException("unknown key " + path(k) + (hint != null ? " (did you mean " + path(hint) + "?)" : "")
                        + "; allowed here: " + String.join(", ", keys));
                }
            }
        }

        boolean has(String key) {
            return node.has(key) && !node.get(key).isNull();
        }

        Node child(String key) {
            return new Node(node.get(key), path(key));
        }

        String string(String key) throws ConfigException {
            JsonNode v = node.get(key);
            if (!v.isValueNode()) {
                throw new ConfigException(path(key) + " must be a single value");
            }
            return v.asText();
        }

        boolean bool(String key) throws ConfigException {
            JsonNode v = node.get(key);
            if (!v.isBoolean()) {
                throw new ConfigException(path(key) + " = " + v + " is not allowed: use true or false");
            }
            return v.booleanValue();
        }

        int integer(String key, int min, int max) throws ConfigException {
            return (int) longValue(key, min, max);
        }

        long longValue(String key, long min, long max) throws ConfigException {
            JsonNode v = node.get(key);
            if (!v.canConvertToLong() || !v.isIntegralNumber()) {
                throw new ConfigException(path(key) + " = " + v + " is not allowed: use a whole number from " + min + " to " + max);
            }
            long l = v.longValue();
            if (l < min || l > max) {
                throw new ConfigException(path(key) + " = " + l + " is not allowed: use a whole number from " + min + " to " + max);
            }
            return l;
        }

        private static String closest(String k, String[] keys) {
            String best = null;
            int bestDistance = 4;
            for (String c : keys) {
                int d = distance(k.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
                if (d < bestDistance) {
                    bestDistance = d;
                    best = c;
                }
            }
            return best;
        }

        private static int distance(String a, String b) {
            int[] prev = new int[b.length() + 1];
            int[] cur = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                prev[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                cur[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                }
                int[] t = prev;
                prev = cur;
                cur = t;
            }
            return prev[b.length()];
        }
    }
}
