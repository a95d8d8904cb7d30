package dev.tern.coap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads the bridge's configuration: the {@code coapBridge:} section of tern.yaml, or the file of
 * {@code tern coap-bridge --config FILE} (the same keys at its top level). Every key is checked; an
 * error names the key, the value and what is allowed. Relative paths (the registry file) are
 * resolved against the directory of the configuration file.
 */
public final class CoapBridgeConfigParser {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final long MAX_MS = Duration.ofDays(1).toMillis();

    /** Where the configuration comes from, which decides who chooses the broker. */
    public enum Mode {
        /** Inside {@code tern broker}: publishes to the embedded broker, so serverHost/serverPort are refused. */
        EMBEDDED,
        /** {@code tern coap-bridge}: publishes to the broker named by mqtt.serverHost/serverPort. */
        STANDALONE
    }

    private CoapBridgeConfigParser() {
    }

    /** Reads a standalone configuration file. */
    public static CoapBridgeConfig load(Path file) throws CoapBridgeConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CoapBridgeConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new CoapBridgeConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CoapBridgeConfigException(file + " is not valid YAML: " + e.getOriginalMessage()
                + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new CoapBridgeConfigException(file + " is empty: at least registry.file is needed");
        }
        return parse(root, "", baseDir(file), Mode.STANDALONE);
    }

    /**
     * Parses a configuration tree.
     *
     * @param section the mapping (the {@code coapBridge:} value, or a standalone file's root)
     * @param path    the key path leading to it, for messages ("coapBridge", or "" at top level)
     * @param baseDir directory that relative paths are resolved against
     */
    public static CoapBridgeConfig parse(JsonNode section, String path, Path baseDir, Mode mode) throws CoapBridgeConfigException {
        ConfigNode top = new ConfigNode(section, path).only("coap", "registry", "observe", "push", "publish", "mqtt");
        if (!top.has("registry")) {
            throw new CoapBridgeConfigException(top.path("registry") + " is missing: name the device registry file, e.g. registry: { file: devices.yaml }");
        }
        ConfigNode registry = top.child("registry");
        Path registryFile;
        long reloadMs = 5000;
        if (registry.node.isValueNode()) {
            registryFile = file(registry.node.asText(), baseDir);
        } else {
            registry.only("file", "reloadInterval");
            if (!registry.has("file")) {
                throw new CoapBridgeConfigException(registry.path("file") + " is missing: name the device registry file");
            }
            registryFile = file(registry.nonEmpty("file"), baseDir);
            reloadMs = registry.longValue("reloadInterval", 0, MAX_MS, reloadMs);
        }
        CoapBridgeConfig.Builder b = CoapBridgeConfig.builder(registryFile).registryReloadInterval(Duration.ofMillis(reloadMs));
        if (top.has("coap")) {
            coap(top.child("coap"), b);
        }
        if (top.has("observe")) {
            observe(top.child("observe"), b);
        }
        if (top.has("push")) {
            b.pushEnabled(top.child("push").only("enabled").bool("enabled", true));
        }
        if (top.has("publish")) {
            publish(top.child("publish"), b);
        }
        b.mqtt(mqtt(top.has("mqtt") ? top.child("mqtt") : null, mode, baseDir));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CoapBridgeConfigException((path.isEmpty() ? "" : path + ".") + e.getMessage());
        }
    }

    private static void coap(ConfigNode c, CoapBridgeConfig.Builder b) throws CoapBridgeConfigException {
        c.only("host", "port", "ackTimeout", "maxRetransmit");
        b.coap(c.has("host") ? c.nonEmpty("host") : "0.0.0.0", c.integer("port", 0, 65535, 5683));
        b.ackTimeout(Duration.ofMillis(c.longValue("ackTimeout", 10, 60_000, 2000)));
        b.maxRetransmit(c.integer("maxRetransmit", 0, 20, 4));
    }

    private static void observe(ConfigNode o, CoapBridgeConfig.Builder b) throws CoapBridgeConfigException {
        o.only("retryInitialDelay", "retryMaxDelay", "reregistrationBackoff", "silenceTimeout");
        long initial = o.longValue("retryInitialDelay", 10, MAX_MS, 1000);
        long max = o.longValue("retryMaxDelay", 10, MAX_MS, Math.max(60_000, initial));
        if (max < initial) {
            throw new CoapBridgeConfigException(o.path("retryMaxDelay") + " = " + max + " is not allowed: use at least "
                + o.path("retryInitialDelay") + " (" + initial + ")");
        }
        b.retryDelays(Duration.ofMillis(initial), Duration.ofMillis(max));
        b.reregistrationBackoff(Duration.ofMillis(o.longValue("reregistrationBackoff", 0, MAX_MS, 2000)));
        b.silenceTimeout(Duration.ofMillis(o.longValue("silenceTimeout", 0, MAX_MS, 0)));
    }

    private static void publish(ConfigNode p, CoapBridgeConfig.Builder b) throws CoapBridgeConfigException {
        p.only("topicTemplate", "defaultQos", "timeout", "maxPending");
        if (p.has("topicTemplate")) {
            String t = p.string("topicTemplate");
            try {
                b.topicTemplate(t);
            } catch (IllegalArgumentException e) {
                throw new CoapBridgeConfigException(p.path("topicTemplate") + " = " + t + " " + e.getMessage());
            }
        }
        b.defaultQos(p.qos("defaultQos", Qos.AT_LEAST_ONCE));
        b.publishTimeout(Duration.ofMillis(p.longValue("timeout", 10, MAX_MS, 10_000)));
        b.maxPendingPublishes(p.integer("maxPending", 1, 10_000_000, 10_000));
    }

    private static MqttTarget mqtt(ConfigNode m, Mode mode, Path baseDir) throws CoapBridgeConfigException {
        if (m == null) {
            return MqttTarget.of("localhost", 1883);
        }
        m.only("serverHost", "serverPort", "clientId", "username", "password", "sessionExpiryInterval", "keepAlive", "tls");
        if (mode == Mode.EMBEDDED) {
            for (String key : new String[]{"serverHost", "serverPort", "tls"}) {
                if (m.has(key)) {
                    throw new CoapBridgeConfigException(m.path(key) + " is not allowed in tern.yaml: the bridge in tern broker publishes "
                        + "to that broker (over loopback); to publish to another broker run tern coap-bridge --config FILE");
                }
            }
        }
        String host = m.has("serverHost") ? m.nonEmpty("serverHost") : "localhost";
        int port = m.integer("serverPort", 1, 65535, 1883);
        String clientId = m.has("clientId") ? m.nonEmpty("clientId") : MqttTarget.DEFAULT_CLIENT_ID;
        String username = m.has("username") ? m.string("username") : null;
        String password = m.has("password") ? m.string("password") : null;
        if (password != null && username == null) {
            throw new CoapBridgeConfigException(m.path("password") + " is set without " + m.path("username"));
        }
        long expiry = m.longValue("sessionExpiryInterval", 0, 4294967295L, MqttTarget.DEFAULT_SESSION_EXPIRY);
        int keepAlive = m.integer("keepAlive", 0, 65535, MqttTarget.DEFAULT_KEEP_ALIVE);
        MqttTls tls = m.has("tls") ? tls(m.child("tls"), baseDir) : null;
        return new MqttTarget(host, port, clientId, username, password, expiry, keepAlive, tls);
    }

    /** {@code tls: true} (the JVM's trust store), {@code false}, or a mapping of the TLS options. */
    private static MqttTls tls(ConfigNode t, Path baseDir) throws CoapBridgeConfigException {
        if (t.node.isBoolean()) {
            return t.node.booleanValue() ? MqttTls.DEFAULTS : null;
        }
        if (!t.node.isObject()) {
            throw new CoapBridgeConfigException(t.path + " = " + t.node + " is not allowed: use true, false or a mapping "
                + "with trustStore, trustStorePassword, keyStore, keyStorePassword, hostnameVerification");
        }
        t.only("trustStore", "trustStorePassword", "keyStore", "keyStorePassword", "hostnameVerification");
        Path trustStore = t.has("trustStore") ? existingFile(t, "trustStore", baseDir) : null;
        Path keyStore = t.has("keyStore") ? existingFile(t, "keyStore", baseDir) : null;
        for (String password : new String[]{"trustStorePassword", "keyStorePassword"}) {
            String store = password.replace("Password", "");
            if (t.has(password) && !t.has(store)) {
                throw new CoapBridgeConfigException(t.path(password) + " is set without " + t.path(store));
            }
        }
        return new MqttTls(trustStore, t.string("trustStorePassword", null), keyStore, t.string("keyStorePassword", null),
            t.bool("hostnameVerification", true));
    }

    private static Path existingFile(ConfigNode n, String key, Path baseDir) throws CoapBridgeConfigException {
        Path p = file(n.nonEmpty(key), baseDir);
        if (!Files.isRegularFile(p)) {
            throw new CoapBridgeConfigException(n.path(key) + " = " + p + " is not allowed: no such file");
        }
        return p;
    }

    private static Path file(String name, Path baseDir) {
        Path p = Path.of(name);
        return p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p).normalize();
    }

    private static Path baseDir(Path configFile) {
        Path parent = configFile.toAbsolutePath().getParent();
        return parent != null ? parent : Path.of("").toAbsolutePath();
    }

    /** The directory a configuration file's relative paths are resolved against. */
    public static Path baseDirOf(Path configFile) {
        return baseDir(configFile);
    }
}
