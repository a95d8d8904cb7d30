package dev.tern.gateway.config;

import dev.tern.gateway.config.Mqtt5EndpointConfig.Auth;
import dev.tern.gateway.config.Mqtt5EndpointConfig.Consumer;
import dev.tern.gateway.config.Mqtt5EndpointConfig.Producer;
import dev.tern.gateway.config.Mqtt5EndpointConfig.ReconnectBackoff;
import dev.tern.gateway.config.Mqtt5EndpointConfig.Security;
import dev.tern.gateway.config.Mqtt5EndpointConfig.SharedConfiguration;
import dev.tern.gateway.config.Mqtt5EndpointConfig.Ssl;
import dev.tern.gateway.config.Mqtt5EndpointConfig.Store;
import dev.tern.gateway.config.Mqtt5EndpointConfig.StoreType;
import dev.tern.gateway.mqtt.Topics;

import java.util.Base64;
import java.util.List;

/**
 * Reads {@code endpointGroups} with the reference's {@code mqtt5} schema: {@code configuration}
 * {serverHost, serverPort}, {@code sharedConfiguration}, {@code inheritConfiguration} and
 * {@code sharedConfigurationOverride}.
 */
final class EndpointConfigParser {
    private final boolean serverOptional;

    /** @param serverOptional true inside {@code tern broker}: a missing serverHost/serverPort means the embedded broker */
    EndpointConfigParser(boolean serverOptional) {
        this.serverOptional = serverOptional;
    }

    Mqtt5EndpointConfig endpoint(ConfigNode api) throws GatewayConfigException {
        List<ConfigNode> groups = api.list("endpointGroups");
        if (groups.isEmpty()) {
            throw api.error("endpointGroups", "is required: one group of type mqtt5 with one endpoint");
        }
        if (groups.size() > 1) {
            throw groups.get(1).error("only one endpoint group per API is supported");
        }
        ConfigNode group = groups.get(0).only("name", "type", "sharedConfiguration", "endpoints");
        checkType(group);
        List<ConfigNode> endpoints = group.list("endpoints");
        if (endpoints.isEmpty()) {
            throw group.error("endpoints", "is required: one endpoint of type mqtt5");
        }
        if (endpoints.size() > 1) {
            throw endpoints.get(1).error("only one endpoint per group is supported");
        }
        ConfigNode e = endpoints.get(0).only("name", "type", "weight", "inheritConfiguration", "configuration",
            "sharedConfigurationOverride", "secondary", "tenants");
        checkType(e);
        e.integer("weight", 1, 1, Integer.MAX_VALUE);
        String name = e.string("name", "default");
        String host = null;
        int port = 0;
        if (e.has("configuration")) {
            ConfigNode c = e.child("configuration").only("serverHost", "serverPort");
            if (c.has("serverHost")) {
                host = c.requiredString("serverHost");
            } else if (!serverOptional) {
                throw c.error("serverHost", "is required");
            }
            if (c.has("serverPort")) {
                port = c.integer("serverPort", 0, 1, 65535);
            } else if (!serverOptional || host != null) {
                throw c.error("serverPort", "is required");
            }
            if (host == null && port != 0) {
                throw c.error("serverHost", "is required when serverPort is set");
            }
        } else if (!serverOptional) {
            throw e.error("configuration", "is required: {serverHost, serverPort}");
        }
        boolean inherit = e.bool("inheritConfiguration", true);
        ConfigNode shared;
        if (inherit) {
            if (e.has("sharedConfigurationOverride")) {
                throw e.error("sharedConfigurationOverride", "is ignored while inheritConfiguration is true: "
                    + "set inheritConfiguration: false to use it, or remove it");
            }
            shared = group.required("sharedConfiguration");
        } else {
            shared = e.required("sharedConfigurationOverride");
        }
        return new Mqtt5EndpointConfig(name, host, port, shared(shared));
    }

    private static void checkType(ConfigNode n) throws GatewayConfigException {
        String type = n.string("type", "mqtt5");
        if (!type.equals("mqtt5")) {
            throw n.error("type", "= " + type + " is not allowed: the gateway's only endpoint type is mqtt5");
        }
    }

    SharedConfiguration shared(ConfigNode s) throws GatewayConfigException {
        s.only("reconnectAttempts", "sessionExpiryInterval", "consumer", "producer", "security", "clientIdPrefix",
            "reconnectBackoff");
        int attempts = s.integer("reconnectAttempts", SharedConfiguration.DEFAULT_RECONNECT_ATTEMPTS, 0, 10);
        long expiry = s.longValue("sessionExpiryInterval", SharedConfiguration.DEFAULT_SESSION_EXPIRY_INTERVAL,
            Integer.MIN_VALUE, 4_294_967_295L);
        Consumer consumer = s.has("consumer") ? consumer(s.child("consumer")) : Consumer.DISABLED;
        Producer producer = s.has("producer") ? producer(s.child("producer")) : Producer.DISABLED;
        if (!consumer.enabled() && !producer.enabled()) {
            // the reference's oneOf: Use Consumer, Use Producer, or Use Consumer and Producer
            throw s.error("enable consumer, producer or both: set consumer.enabled or producer.enabled to true");
        }
        Security security = s.has("security") ? security(s.child("security")) : Security.NONE;
        String prefix = s.string("clientIdPrefix", SharedConfiguration.DEFAULT_CLIENT_ID_PREFIX);
        if (prefix.length() > 40) {
            throw s.error("clientIdPrefix", "is longer than 40 characters");
        }
        ReconnectBackoff backoff = ReconnectBackoff.DEFAULT;
        if (s.has("reconnectBackoff")) {
            ConfigNode b = s.child("reconnectBackoff").only("initialDelayMs", "maxDelayMs");
            long initial = b.longValue("initialDelayMs", ReconnectBackoff.DEFAULT.initialDelayMs(), 10, 3_600_000);
            long max = b.longValue("maxDelayMs", Math.max(initial, ReconnectBackoff.DEFAULT.maxDelayMs()), initial, 3_600_000);
            backoff = new ReconnectBackoff(initial, max);
        }
        return new SharedConfiguration(attempts, expiry, consumer, producer, security, prefix, backoff);
    }

    private static Consumer consumer(ConfigNode c) throws GatewayConfigException {
        c.only("enabled", "topic", "qos", "retainedSnapshot");
        boolean enabled = c.bool("enabled", false);
        String topic = c.has("topic") ? c.string("topic") : null;
        if (enabled && topic == null) {
            throw c.error("topic", "is required when the consumer is enabled");
        }
        if (topic != null) {
            String p = Topics.filterProblem(topic);
            if (p != null) {
                throw c.error("topic", "= " + topic + " is not a valid topic filter: " + p);
            }
        }
        return new Consumer(enabled, topic, qos(c), c.bool("retainedSnapshot", false));
    }

    private static Producer producer(ConfigNode p) throws GatewayConfigException {
        p.only("enabled", "topic", "retained", "responseTopic", "messageExpiryInterval", "qos");
        boolean enabled = p.bool("enabled", false);
        String topic = p.has("topic") ? p.string("topic") : null;
        if (enabled && topic == null) {
            throw p.error("topic", "is required when the producer is enabled");
        }
        if (topic != null) {
            String problem = Topics.nameProblem(topic);
            if (problem != null) {
                throw p.error("topic", "= " + topic + " is not a valid topic to publish to: " + problem);
            }
        }
        String responseTopic = p.has("responseTopic") ? p.string("responseTopic") : null;
        if (responseTopic != null) {
            String problem = Topics.nameProblem(responseTopic);
            if (problem != null) {
                throw p.error("responseTopic", "= " + responseTopic + " is not a valid topic name: " + problem);
            }
        }
        long expiry = p.longValue("messageExpiryInterval", -1, -1, 4_294_967_295L);
        return new Producer(enabled, topic, p.bool("retained", false), responseTopic, expiry, qos(p));
    }

    private static Qos qos(ConfigNode n) throws GatewayConfigException {
        if (n.has("qos") && n.node.get("qos").isIntegralNumber()) {
            int q = n.integer("qos", 1, 0, 2);
            return Qos.values()[q];
        }
        return n.enumValue("qos", Qos.class, Qos.AT_LEAST_ONCE);
    }

    private static Security security(ConfigNode s) throws GatewayConfigException {
        s.only("auth", "ssl");
        Auth auth = null;
        if (s.has("auth")) {
            ConfigNode a = s.child("auth").only("username", "password");
            String user = a.has("username") ? a.string("username") : null;
            String password = a.has("password") ? a.string("password") : null;
            if (user == null && password != null) {
                throw a.error("username", "is required when a password is set");
            }
            auth = new Auth(user, password);
        }
        Ssl ssl = null;
        if (s.has("ssl")) {
            ConfigNode t = s.child("ssl").only("hostnameVerifier", "trustStore", "keyStore");
            Store trust = t.has("trustStore") ? store(t.child("trustStore"), false) : null;
            Store key = t.has("keyStore") ? store(t.child("keyStore"), true) : null;
            ssl = new Ssl(t.bool("hostnameVerifier", true), trust, key);
        }
        return new Security(auth, ssl);
    }

    private static Store store(ConfigNode n, boolean keyStore) throws GatewayConfigException {
        if (keyStore) {
            n.only("type", "path", "content", "password", "certPath", "certContent", "keyPath", "keyContent", "keyPassword", "alias");
        } else {
            n.only("type", "path", "content", "password");
        }
        if (n.has("type") && n.string("type").equalsIgnoreCase("NONE")) {
            return null;
        }
        if (!n.has("type")) {
            throw n.error("type", "is required: PEM, JKS or PKCS12");
        }
        StoreType type = n.enumValue("type", StoreType.class, null);
        if (keyStore) {
            refuseMixing(n, type);
        }
        String path = n.string("path", null);
        String content = n.string("content", null);
        String password = n.string("password", null);
        String certPath = n.string("certPath", null);
        String certContent = n.string("certContent", null);
        String keyPath = n.string("keyPath", null);
        String keyContent = n.string("keyContent", null);
        String keyPassword = n.string("keyPassword", null);
        String alias = n.has("alias") ? n.requiredString("alias") : null;
        exists(n, "path", path);
        exists(n, "certPath", certPath);
        exists(n, "keyPath", keyPath);
        base64(n, "content", content);
        base64(n, "certContent", certContent);
        base64(n, "keyContent", keyContent);
        if (keyStore && type == StoreType.PEM) {
            if ((certPath == null) == (certContent == null)) {
                throw n.error("a PEM key store needs exactly one of certPath and certContent");
            }
            if ((keyPath == null) == (keyContent == null)) {
                throw n.error("a PEM key store needs exactly one of keyPath and keyContent");
            }
        } else {
            if ((path == null) == (content == null)) {
                throw n.error("a " + type + " " + (keyStore ? "key" : "trust") + " store needs exactly one of path and content");
            }
            if (type != StoreType.PEM && password == null && keyStore) {
                throw n.error("password", "is required for a " + type + " key store");
            }
        }
        return new Store(type, path, content, password, certPath, certContent, keyPath, keyContent, keyPassword, alias, n.path);
    }

    /**
     * A key store's keys belong to one kind: path/content/password/alias to JKS and PKCS12,
     * certPath/certContent/keyPath/keyContent to PEM. The other kind's keys would be silently ignored,
     * so they are refused ({@code keyPassword} fits both: the key's own password).
     */
    private static void refuseMixing(ConfigNode n, StoreType type) throws GatewayConfigException {
        List<String> foreign = type == StoreType.PEM ? List.of("path", "content", "password", "alias")
            : List.of("certPath", "certContent", "keyPath", "keyContent");
        for (String k : foreign) {
            if (n.has(k)) {
                throw n.error(k, type == StoreType.PEM
                    ? "is for JKS and PKCS12 key stores: a PEM key store takes certPath or certContent, keyPath or keyContent"
                        + (k.equals("alias") ? " (it holds one key, so there is nothing to select)" : "")
                        + (k.equals("password") ? ", and keyPassword for an encrypted key" : "")
                    : "is for PEM key stores: a " + type + " key store takes path or content, password, and alias to "
                        + "select one of its keys");
            }
        }
    }

    private static void exists(ConfigNode n, String key, String value) throws GatewayConfigException {
        if (value != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(value))) {
            throw n.error(key, "= " + value + ": the file does not exist or cannot be read");
        }
    }

    private static void base64(ConfigNode n, String key, String value) throws GatewayConfigException {
        if (value == null) {
            return;
        }
        // the MIME decoder skips foreign characters, so check the alphabet first
        if (!value.matches("[A-Za-z0-9+/=\\s]+")) {
            throw n.error(key, "is not base64: only A-Z, a-z, 0-9, +, / and = (line breaks allowed)");
        }
        try {
            Base64.getMimeDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw n.error(key, "is not base64: " + e.getMessage());
        }
    }
}
