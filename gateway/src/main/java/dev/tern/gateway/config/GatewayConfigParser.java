package dev.tern.gateway.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tern.gateway.config.ApiDefinition.AttributeSource;
import dev.tern.gateway.config.EntrypointOptions.Header;
import dev.tern.gateway.config.EntrypointOptions.Retry;
import dev.tern.gateway.mqtt.Topics;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a gateway configuration (YAML or JSON) and refuses anything invalid with the JSON path of
 * the problem. Used by {@code tern gateway --config FILE} (where the file may also wrap everything
 * in a {@code gateway:} key) and for the {@code gateway:} section of {@code tern.yaml}.
 */
public final class GatewayConfigParser {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the gateway runs: alone (serverHost/serverPort required) or inside {@code tern broker}. */
    public enum Mode { STANDALONE, EMBEDDED }

    private final EndpointConfigParser endpoints;
    private final Path baseDir;

    private GatewayConfigParser(Mode mode, Path baseDir) {
        this.endpoints = new EndpointConfigParser(mode == Mode.EMBEDDED);
        this.baseDir = baseDir;
    }

    /** Reads a standalone configuration file. */
    public static GatewayConfig load(Path file) throws GatewayConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new GatewayConfigException(file.toString(), "the file does not exist");
        } catch (IOException e) {
            throw new GatewayConfigException(file.toString(), "cannot be read: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = (file.toString().endsWith(".json") ? JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            throw new GatewayConfigException(file.toString(), "is not valid " + (file.toString().endsWith(".json") ? "JSON" : "YAML")
                + ": " + e.getOriginalMessage() + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new GatewayConfigException("$", "the file is empty: it must define apis");
        }
        String rootPath = "$";
        if (root.isObject() && root.has("gateway")) {
            root = root.get("gateway");
            rootPath = "$.gateway";
        }
        return parse(root, rootPath, Mode.STANDALONE, file.toAbsolutePath().getParent());
    }

    /** Parses a configuration tree; {@code rootPath} prefixes every JSON path in errors. */
    public static GatewayConfig parse(JsonNode root, String rootPath, Mode mode) throws GatewayConfigException {
        return parse(root, rootPath, mode, Path.of("."));
    }

    /** As {@link #parse(JsonNode, String, Mode)}; {@code apiFiles} are resolved against {@code baseDir}. */
    public static GatewayConfig parse(JsonNode root, String rootPath, Mode mode, Path baseDir) throws GatewayConfigException {
        return new GatewayConfigParser(mode, baseDir).gateway(new ConfigNode(root, rootPath));
    }

    /** One API definition per file (JSON or YAML), as an API management tool would export it. */
    private List<ConfigNode> apiFiles(ConfigNode g) throws GatewayConfigException {
        List<ConfigNode> out = new ArrayList<>();
        for (ConfigNode f : g.list("apiFiles")) {
            if (!f.node.isTextual()) {
                throw f.error("must be the path of an API definition file");
            }
            Path file = baseDir.resolve(f.node.asText());
            String text;
            try {
                text = Files.readString(file);
            } catch (IOException e) {
                throw f.error("= " + f.node.asText() + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
            }
            try {
                JsonNode api = (file.toString().endsWith(".json") ? JSON : YAML).readTree(text);
                out.add(new ConfigNode(api, f.node.asText() + ":$"));
            } catch (JsonProcessingException e) {
                throw f.error("= " + f.node.asText() + " is not valid JSON/YAML: " + e.getOriginalMessage());
            }
        }
        return out;
    }

    private GatewayConfig gateway(ConfigNode g) throws GatewayConfigException {
        g.only("http", "managementPath", "dataDir", "maxConsumerSessions", "consumerBufferSize", "apis", "apiFiles");
        String host = "0.0.0.0";
        int port = GatewayConfig.DEFAULT_PORT;
        long maxBody = 1L << 20;
        if (g.has("http")) {
            ConfigNode h = g.child("http").only("host", "port", "maxRequestBodySize");
            host = h.string("host", host);
            port = h.integer("port", port, 0, 65535);
            maxBody = h.longValue("maxRequestBodySize", maxBody, 1, 256L << 20);
        }
        String management = path(g, "managementPath", g.string("managementPath", "/_gateway"));
        Path dataDir = g.has("dataDir") ? Path.of(g.string("dataDir")) : Path.of("data", "gateway");
        int maxSessions = g.integer("maxConsumerSessions", 1000, 1, 1_000_000);
        int buffer = g.integer("consumerBufferSize", 1000, 1, 65535);
        List<ConfigNode> list = g.list("apis");
        list.addAll(apiFiles(g));
        if (list.isEmpty()) {
            throw g.error("apis", "is required: at least one API definition (in apis, or files in apiFiles)");
        }
        List<ApiDefinition> apis = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> paths = new HashSet<>();
        for (ConfigNode a : list) {
            ApiDefinition api = api(a);
            if (!ids.add(api.id())) {
                throw a.error("id", "= " + api.id() + " is used by another API: ids must be unique");
            }
            if (!paths.add(api.contextPath())) {
                throw a.error("contextPath", "= " + api.contextPath() + " is used by another API");
            }
            if (api.contextPath().equals(management) || api.contextPath().startsWith(management + "/")
                || management.startsWith(api.contextPath() + "/") || api.contextPath().equals("/")) {
                throw a.error("contextPath", "= " + api.contextPath() + " overlaps the gateway's REST API at "
                    + management + " (see managementPath)");
            }
            apis.add(api);
        }
        return new GatewayConfig(host, port, maxBody, management, dataDir, maxSessions, buffer, apis);
    }

    private static String path(ConfigNode n, String key, String p) throws GatewayConfigException {
        if (!p.startsWith("/") || p.contains("?") || p.contains("#") || p.contains("//") || p.contains(" ")) {
            throw n.error(key, "= " + p + " is not allowed: use a path such as /demo (no query, no spaces)");
        }
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private ApiDefinition api(ConfigNode a) throws GatewayConfigException {
        a.only("id", "name", "contextPath", "entrypoints", "attributes", "allowedTopics", "plans", "endpointGroups");
        String id = a.requiredString("id");
        if (!id.matches("[A-Za-z0-9._-]+")) {
            throw a.error("id", "= " + id + " is not allowed: use letters, digits, '.', '_' and '-'");
        }
        String name = a.string("name", id);
        String contextPath = path(a, "contextPath", a.requiredString("contextPath"));
        Mqtt5EndpointConfig endpoint = endpoints.endpoint(a);

        List<ConfigNode> eps = a.list("entrypoints");
        if (eps.isEmpty()) {
            throw a.error("entrypoints", "is required: at least one of http-post, http-get, sse, websocket, webhook");
        }
        EntrypointOptions.HttpPost post = null;
        EntrypointOptions.HttpGet get = null;
        EntrypointOptions.Sse sse = null;
        EntrypointOptions.WebSocket ws = null;
        EntrypointOptions.Webhook webhook = null;
        Set<String> seen = new HashSet<>();
        for (ConfigNode e : eps) {
            e.only("type", "qos", "configuration");
            String type = e.requiredString("type");
            if (!seen.add(type)) {
                throw e.error("type", "= " + type + " is listed twice");
            }
            ConfigNode c = e.has("configuration") ? e.child("configuration")
                : new ConfigNode(JSON.createObjectNode(), e.path("configuration"));
            switch (type) {
                case "http-post" -> {
                    c.only("requestHeadersToMessage");
                    post = new EntrypointOptions.HttpPost(qos(e, EnumSet.of(DeliveryQos.NONE, DeliveryQos.AUTO), DeliveryQos.AUTO),
                        c.bool("requestHeadersToMessage", false));
                    requireProducer(e, endpoint, type);
                }
                case "http-get" -> {
                    c.only("messagesLimitCount", "messagesLimitDurationMs", "headersInPayload", "metadataInPayload");
                    get = new EntrypointOptions.HttpGet(qos(e, EnumSet.of(DeliveryQos.AUTO), DeliveryQos.AUTO),
                        c.integer("messagesLimitCount", EntrypointOptions.HttpGet.DEFAULT_LIMIT_COUNT, 1, 100_000),
                        c.longValue("messagesLimitDurationMs", EntrypointOptions.HttpGet.DEFAULT_LIMIT_DURATION_MS, 0, 600_000),
                        c.bool("headersInPayload", false), c.bool("metadataInPayload", false));
                    requireConsumer(e, endpoint, type);
                }
                case "sse" -> {
                    c.only("heartbeatIntervalInMs", "metadataAsComment", "headersAsComment", "retryInMs");
                    sse = new EntrypointOptions.Sse(qos(e, EnumSet.of(DeliveryQos.NONE, DeliveryQos.AUTO), DeliveryQos.AUTO),
                        c.longValue("heartbeatIntervalInMs", EntrypointOptions.Sse.DEFAULT_HEARTBEAT_MS, 2000, 3_600_000),
                        c.bool("metadataAsComment", false), c.bool("headersAsComment", false),
                        c.longValue("retryInMs", EntrypointOptions.Sse.DEFAULT_RETRY_MS, 0, 3_600_000));
                    requireConsumer(e, endpoint, type);
                }
                case "websocket" -> {
                    c.only("publisher", "subscriber");
                    boolean pub = c.has("publisher") ? c.child("publisher").only("enabled", "envelope").bool("enabled", true) : true;
                    boolean envelope = c.has("publisher") && c.child("publisher").bool("envelope", false);
                    boolean sub = c.has("subscriber") ? c.child("subscriber").only("enabled", "noLocal").bool("enabled", true) : true;
                    boolean noLocal = c.has("subscriber") && c.child("subscriber").bool("noLocal", false);
                    if (!pub && !sub) {
                        throw c.error("enable publisher, subscriber or both");
                    }
                    ws = new EntrypointOptions.WebSocket(qos(e, EnumSet.of(DeliveryQos.NONE, DeliveryQos.AUTO), DeliveryQos.AUTO), pub, sub,
                        noLocal, envelope);
                    if (pub) {
                        requireProducer(e, endpoint, "websocket with publisher.enabled");
                    }
                    if (sub) {
                        requireConsumer(e, endpoint, "websocket with subscriber.enabled");
                    }
                }
                case "webhook" -> {
                    webhook = webhook(e, c);
                    requireConsumer(e, endpoint, type);
                    if (webhook.qos() == DeliveryQos.AT_LEAST_ONCE && endpoint.shared().consumer().qos() == Qos.AT_MOST_ONCE) {
                        // a QoS 0 subscription has nothing to acknowledge: the broker never redelivers, so the
                        // "PUBACK after a 2xx" promise could not hold across a gateway restart
                        throw e.error("qos", "= AT_LEAST_ONCE" + (e.has("qos") ? "" : " (the webhook's default)")
                            + " needs a subscription the gateway can acknowledge, but the endpoint's consumer.qos is "
                            + "AT_MOST_ONCE: set sharedConfiguration.consumer.qos to AT_LEAST_ONCE or EXACTLY_ONCE, "
                            + "or this qos to AT_MOST_ONCE, AUTO or NONE");
                    }
                }
                default -> throw e.error("type", "= " + type
                    + " is not allowed: use http-post, http-get, sse, websocket or webhook");
            }
        }
        Map<String, AttributeSource> attributes = attributes(a);
        List<String> allowed = allowedTopics(a, endpoint);
        List<PlanConfig> plans = PlanParser.plans(a);
        return new ApiDefinition(id, name, contextPath, post, get, sse, ws, webhook, attributes, allowed, plans, endpoint);
    }

    private static DeliveryQos qos(ConfigNode e, Set<DeliveryQos> allowed, DeliveryQos def) throws GatewayConfigException {
        DeliveryQos q = e.enumValue("qos", DeliveryQos.class, def);
        if (!allowed.contains(q)) {
            throw e.error("qos", "= " + q + " is not allowed for " + e.string("type") + " with an mqtt5 endpoint: use "
                + String.join(" or ", allowed.stream().map(Enum::name).toList()));
        }
        return q;
    }

    private static void requireProducer(ConfigNode e, Mqtt5EndpointConfig endpoint, String what) throws GatewayConfigException {
        if (!endpoint.shared().producer().enabled()) {
            throw e.error("type", what + " publishes: enable the endpoint's producer (sharedConfiguration.producer.enabled: true)");
        }
    }

    private static void requireConsumer(ConfigNode e, Mqtt5EndpointConfig endpoint, String what) throws GatewayConfigException {
        if (!endpoint.shared().consumer().enabled()) {
            throw e.error("type", what + " consumes: enable the endpoint's consumer (sharedConfiguration.consumer.enabled: true)");
        }
    }

    private static EntrypointOptions.Webhook webhook(ConfigNode e, ConfigNode c) throws GatewayConfigException {
        c.only("httpOptions", "maxConcurrentConnections", "retry", "deadLetter", "headers");
        DeliveryQos qos = qos(e, EnumSet.allOf(DeliveryQos.class), DeliveryQos.AT_LEAST_ONCE);
        long connect = 3_000;
        long read = 10_000;
        long idle = 60_000;
        if (c.has("httpOptions")) {
            ConfigNode h = c.child("httpOptions").only("connectTimeout", "readTimeout", "idleTimeout");
            connect = h.longValue("connectTimeout", connect, 1, 600_000);
            read = h.longValue("readTimeout", read, 1, 600_000);
            idle = h.longValue("idleTimeout", idle, 0, 3_600_000);
        }
        int concurrency = c.integer("maxConcurrentConnections", 5, 1, 20);
        Retry retry = Retry.DEFAULT;
        if (c.has("retry")) {
            ConfigNode r = c.child("retry").only("maxAttempts", "initialDelayMs", "maxDelayMs", "multiplier");
            long initial = r.longValue("initialDelayMs", Retry.DEFAULT.initialDelayMs(), 1, 3_600_000);
            double multiplier = 2.0;
            if (r.has("multiplier")) {
                JsonNode m = r.node.get("multiplier");
                if (!m.isNumber() || m.doubleValue() < 1.0 || m.doubleValue() > 10.0) {
                    throw r.error("multiplier", "= " + m + " is not allowed: use a number from 1 to 10");
                }
                multiplier = m.doubleValue();
            }
            retry = new Retry(r.integer("maxAttempts", Retry.DEFAULT.maxAttempts(), 1, 100), initial,
                r.longValue("maxDelayMs", Math.max(initial, Retry.DEFAULT.maxDelayMs()), initial, 3_600_000), multiplier);
        }
        String dlq = null;
        if (c.has("deadLetter")) {
            ConfigNode d = c.child("deadLetter").only("topic");
            dlq = d.requiredString("topic");
            String p = Topics.nameProblem(dlq);
            if (p != null) {
                throw d.error("topic", "= " + dlq + " is not a valid topic to publish to: " + p);
            }
        }
        return new EntrypointOptions.Webhook(qos, connect, read, idle, concurrency, retry, dlq, headers(c, "headers"));
    }

    /**
     * Webhook headers: a list of {name, value}. The name must be an HTTP token that is neither hop-by-hop
     * nor set by the gateway, the value a valid HTTP field value ({@link WebhookHeaders}), so that no
     * configured header can fail a call.
     */
    static List<Header> headers(ConfigNode c, String key) throws GatewayConfigException {
        List<Header> out = new ArrayList<>();
        for (ConfigNode h : c.list(key)) {
            h.only("name", "value");
            String name = h.requiredString("name");
            String problem = WebhookHeaders.nameProblem(name);
            if (problem != null) {
                throw h.error("name", "= " + name + " " + problem);
            }
            String value = h.string("value", "");
            problem = WebhookHeaders.valueProblem(value);
            if (problem != null) {
                throw h.error("value", "= " + printable(value) + " " + problem);
            }
            out.add(new Header(name, value));
        }
        return out;
    }

    /** A value as an error message can show it: control characters as \\uXXXX (a line break would split the message). */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static Map<String, AttributeSource> attributes(ConfigNode a) throws GatewayConfigException {
        Map<String, AttributeSource> out = new LinkedHashMap<>();
        if (!a.has("attributes")) {
            return out;
        }
        ConfigNode attrs = a.child("attributes").only(ApiDefinition.ATTRIBUTES.toArray(new String[0]));
        for (String name : ApiDefinition.ATTRIBUTES) {
            if (attrs.has(name)) {
                ConfigNode s = new ConfigNode(attrs.node.get(name), attrs.path + "['" + name + "']").only("header", "query");
                String header = s.string("header", null);
                String query = s.string("query", null);
                if (header == null && query == null) {
                    throw s.error("name a header, a query parameter or both");
                }
                out.put(name, new AttributeSource(header, query));
            }
        }
        return out;
    }

    private static List<String> allowedTopics(ConfigNode a, Mqtt5EndpointConfig endpoint) throws GatewayConfigException {
        Set<String> out = new LinkedHashSet<>();
        List<ConfigNode> list = a.list("allowedTopics");
        for (ConfigNode t : list) {
            if (!t.node.isTextual()) {
                throw t.error("must be a topic filter string");
            }
            String p = Topics.filterProblem(t.node.asText());
            if (p != null) {
                throw t.error("= " + t.node.asText() + " is not a valid topic filter: " + p);
            }
            out.add(t.node.asText());
        }
        if (list.isEmpty()) {
            // Without a list, an override must stay inside what the API already exposes.
            if (endpoint.shared().consumer().topic() != null) {
                out.add(endpoint.shared().consumer().topic());
            }
            if (endpoint.shared().producer().topic() != null) {
                out.add(endpoint.shared().producer().topic());
            }
        }
        return new ArrayList<>(out);
    }

    /** Checks a callback URL of a webhook subscription: absolute http(s). */
    public static String callbackProblem(String url) {
        try {
            URI u = URI.create(url);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                return "must be an absolute http:// or https:// URL";
            }
            return null;
        } catch (IllegalArgumentException e) {
            return "is not a URL: " + e.getMessage();
        }
    }
}
