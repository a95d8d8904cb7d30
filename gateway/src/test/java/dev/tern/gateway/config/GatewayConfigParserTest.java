package dev.tern.gateway.config;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every way an API definition can be wrong is refused with the JSON path of the problem. */
class GatewayConfigParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A minimal valid definition: one key-less API, consumer and producer, http-post and sse. */
    static ObjectNode valid() throws Exception {
        return (ObjectNode) JSON.readTree("""
            {"apis": [{
              "id": "demo", "contextPath": "/demo",
              "entrypoints": [{"type": "http-post"}, {"type": "sse"}],
              "plans": [{"name": "open", "security": "key-less"}],
              "endpointGroups": [{"name": "g", "type": "mqtt5",
                "sharedConfiguration": {"consumer": {"enabled": true, "topic": "demo/#"},
                                        "producer": {"enabled": true, "topic": "demo/in"}},
                "endpoints": [{"name": "default", "type": "mqtt5",
                               "configuration": {"serverHost": "localhost", "serverPort": 1883}}]}]
            }]}""");
    }

    static final String API = "/apis/0";
    static final String SHARED = API + "/endpointGroups/0/sharedConfiguration";
    static final String ENDPOINT = API + "/endpointGroups/0/endpoints/0";

    static Consumer<ObjectNode> set(String pointer, String json) {
        return root -> {
            JsonPointer p = JsonPointer.compile(pointer);
            JsonNode parent = root.at(p.head());
            try {
                JsonNode value = JSON.readTree(json);
                if (parent instanceof ArrayNode a) {
                    int i = Integer.parseInt(p.last().getMatchingProperty());
                    if (i < a.size()) {
                        a.set(i, value);
                    } else {
                        a.add(value);
                    }
                } else {
                    ((ObjectNode) parent).set(p.last().getMatchingProperty(), value);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    static Consumer<ObjectNode> remove(String pointer) {
        return root -> {
            JsonPointer p = JsonPointer.compile(pointer);
            ((ObjectNode) root.at(p.head())).remove(p.last().getMatchingProperty());
        };
    }

    static GatewayConfig parse(JsonNode root) throws GatewayConfigException {
        return GatewayConfigParser.parse(root, "$", GatewayConfigParser.Mode.STANDALONE);
    }

    static Stream<Arguments> errors() {
        return Stream.of(
            Arguments.of(remove("/apis"), "$.apis", "is required"),
            Arguments.of(set("/htp", "{}"), "$.htp", "unknown key"),
            Arguments.of(set("/http", "{\"port\": 70000}"), "$.http.port", "from 0 to 65535"),
            Arguments.of(set("/managementPath", "\"nope\""), "$.managementPath", "use a path"),
            Arguments.of(remove(API + "/id"), "$.apis[0].id", "is required"),
            Arguments.of(set(API + "/id", "\"a b\""), "$.apis[0].id", "letters, digits"),
            Arguments.of(set(API + "/contextPath", "\"demo\""), "$.apis[0].contextPath", "use a path"),
            Arguments.of(set(API + "/contextPath", "\"/_gateway\""), "$.apis[0].contextPath", "overlaps"),
            Arguments.of(set(API + "/colour", "1"), "$.apis[0].colour", "unknown key"),
            Arguments.of(remove(API + "/endpointGroups"), "$.apis[0].endpointGroups", "is required"),
            Arguments.of(set(API + "/endpointGroups/0/type", "\"kafka\""), "$.apis[0].endpointGroups[0].type", "mqtt5"),
            Arguments.of(set(ENDPOINT + "/type", "\"http-proxy\""), "$.apis[0].endpointGroups[0].endpoints[0].type", "mqtt5"),
            Arguments.of(set(API + "/endpointGroups/0/endpoints/1", "{}"), "$.apis[0].endpointGroups[0].endpoints[1]", "only one endpoint"),
            Arguments.of(remove(ENDPOINT + "/configuration/serverHost"), "$.apis[0].endpointGroups[0].endpoints[0].configuration.serverHost", "is required"),
            Arguments.of(remove(ENDPOINT + "/configuration/serverPort"), "$.apis[0].endpointGroups[0].endpoints[0].configuration.serverPort", "is required"),
            Arguments.of(set(ENDPOINT + "/configuration/serverPort", "0"), "$.apis[0].endpointGroups[0].endpoints[0].configuration.serverPort", "from 1 to 65535"),
            Arguments.of(set(ENDPOINT + "/configuration/serverPort", "\"1883\""), "$.apis[0].endpointGroups[0].endpoints[0].configuration.serverPort", "whole number"),
            Arguments.of(set(ENDPOINT + "/sharedConfigurationOverride", "{}"), "$.apis[0].endpointGroups[0].endpoints[0].sharedConfigurationOverride", "inheritConfiguration"),
            Arguments.of(set(ENDPOINT + "/inheritConfiguration", "false"), "$.apis[0].endpointGroups[0].endpoints[0].sharedConfigurationOverride", "is required"),
            Arguments.of(remove(API + "/endpointGroups/0/sharedConfiguration"), "$.apis[0].endpointGroups[0].sharedConfiguration", "is required"),
            Arguments.of(set(SHARED + "/reconnectAttempts", "11"), "$.apis[0].endpointGroups[0].sharedConfiguration.reconnectAttempts", "from 0 to 10"),
            Arguments.of(set(SHARED + "/reconnectAttempts", "-1"), "$.apis[0].endpointGroups[0].sharedConfiguration.reconnectAttempts", "from 0 to 10"),
            Arguments.of(set(SHARED + "/sessionExpiryInterval", "\"1d\""), "$.apis[0].endpointGroups[0].sharedConfiguration.sessionExpiryInterval", "whole number"),
            Arguments.of(set(SHARED + "/reconnectAttempt", "3"), "$.apis[0].endpointGroups[0].sharedConfiguration.reconnectAttempt", "did you mean reconnectAttempts"),
            Arguments.of(set(SHARED + "/consumer/enabled", "false"), "$.apis[0].entrypoints[1].type", "enable the endpoint's consumer"),
            Arguments.of(set(SHARED + "/producer/enabled", "false"), "$.apis[0].entrypoints[0].type", "enable the endpoint's producer"),
            Arguments.of(set(SHARED, "{\"consumer\": {\"enabled\": false, \"topic\": \"a\"}}"), "$.apis[0].endpointGroups[0].sharedConfiguration", "enable consumer, producer or both"),
            Arguments.of(remove(SHARED + "/consumer/topic"), "$.apis[0].endpointGroups[0].sharedConfiguration.consumer.topic", "is required when the consumer is enabled"),
            Arguments.of(set(SHARED + "/consumer/topic", "\"a/#/b\""), "$.apis[0].endpointGroups[0].sharedConfiguration.consumer.topic", "not a valid topic filter"),
            Arguments.of(set(SHARED + "/consumer/topic", "\"$share/g/a\""), "$.apis[0].endpointGroups[0].sharedConfiguration.consumer.topic", "$share"),
            Arguments.of(set(SHARED + "/consumer/qos", "\"ALWAYS\""), "$.apis[0].endpointGroups[0].sharedConfiguration.consumer.qos", "AT_MOST_ONCE, AT_LEAST_ONCE, EXACTLY_ONCE"),
            Arguments.of(set(SHARED + "/producer/topic", "\"demo/+\""), "$.apis[0].endpointGroups[0].sharedConfiguration.producer.topic", "must not contain + or #"),
            Arguments.of(remove(SHARED + "/producer/topic"), "$.apis[0].endpointGroups[0].sharedConfiguration.producer.topic", "is required when the producer is enabled"),
            Arguments.of(set(SHARED + "/producer/responseTopic", "\"r/#\""), "$.apis[0].endpointGroups[0].sharedConfiguration.producer.responseTopic", "not a valid topic name"),
            Arguments.of(set(SHARED + "/producer/messageExpiryInterval", "-2"), "$.apis[0].endpointGroups[0].sharedConfiguration.producer.messageExpiryInterval", "from -1"),
            Arguments.of(set(SHARED + "/producer/qos", "3"), "$.apis[0].endpointGroups[0].sharedConfiguration.producer.qos", "from 0 to 2"),
            Arguments.of(set(SHARED + "/security", "{\"auth\": {\"password\": \"p\"}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.auth.username", "is required when a password is set"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"trustStore\": {\"path\": \"/x\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.trustStore.type", "PEM, JKS or PKCS12"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"trustStore\": {\"type\": \"P7B\", \"path\": \"/x\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.trustStore.type", "PEM, JKS, PKCS12"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"trustStore\": {\"type\": \"JKS\", \"path\": \"/no/such/file.jks\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.trustStore.path", "does not exist"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"trustStore\": {\"type\": \"PEM\", \"content\": \"***\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.trustStore.content", "not base64"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"trustStore\": {\"type\": \"PKCS12\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.trustStore", "exactly one of path and content"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"keyStore\": {\"type\": \"PEM\", \"keyContent\": \"AAAA\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.keyStore", "certPath and certContent"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"keyStore\": {\"type\": \"JKS\", \"content\": \"AAAA\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.keyStore.password", "is required"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"keyStore\": {\"type\": \"PKCS12\", \"content\": \"AAAA\", \"password\": \"p\", \"certPath\": \"/x\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.keyStore.certPath", "is for PEM key stores"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"keyStore\": {\"type\": \"JKS\", \"content\": \"AAAA\", \"password\": \"p\", \"keyContent\": \"AAAA\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.keyStore.keyContent", "is for PEM key stores"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"keyStore\": {\"type\": \"PEM\", \"certContent\": \"AAAA\", \"keyContent\": \"AAAA\", \"alias\": \"a\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.keyStore.alias", "is for JKS and PKCS12 key stores"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"keyStore\": {\"type\": \"PEM\", \"path\": \"/x\", \"keyContent\": \"AAAA\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.keyStore.path", "is for JKS and PKCS12 key stores"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"keyStore\": {\"type\": \"PKCS12\", \"content\": \"AAAA\", \"password\": \"p\", \"alias\": \"\"}}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.keyStore.alias", "must not be empty"),
            Arguments.of(set(SHARED + "/security", "{\"ssl\": {\"hostnameVerifier\": \"yes\"}}"), "$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.hostnameVerifier", "true or false"),
            Arguments.of(set(SHARED + "/reconnectBackoff", "{\"initialDelayMs\": 5}"), "$.apis[0].endpointGroups[0].sharedConfiguration.reconnectBackoff.initialDelayMs", "from 10"),
            Arguments.of(remove(API + "/entrypoints"), "$.apis[0].entrypoints", "is required"),
            Arguments.of(set(API + "/entrypoints/2", "{\"type\": \"grpc\"}"), "$.apis[0].entrypoints[2].type", "http-post, http-get, sse, websocket or webhook"),
            Arguments.of(set(API + "/entrypoints/2", "{\"type\": \"sse\"}"), "$.apis[0].entrypoints[2].type", "listed twice"),
            Arguments.of(set(API + "/entrypoints/0", "{\"type\": \"http-post\", \"qos\": \"AT_LEAST_ONCE\"}"), "$.apis[0].entrypoints[0].qos", "NONE or AUTO"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"sse\", \"configuration\": {\"heartbeatIntervalInMs\": 500}}"), "$.apis[0].entrypoints[1].configuration.heartbeatIntervalInMs", "from 2000"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"http-get\", \"configuration\": {\"messagesLimitCount\": 0}}"), "$.apis[0].entrypoints[1].configuration.messagesLimitCount", "from 1"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"websocket\", \"configuration\": {\"publisher\": {\"enabled\": false}, \"subscriber\": {\"enabled\": false}}}"), "$.apis[0].entrypoints[1].configuration", "publisher, subscriber or both"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"webhook\", \"configuration\": {\"retry\": {\"maxAttempts\": 0}}}"), "$.apis[0].entrypoints[1].configuration.retry.maxAttempts", "from 1"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"webhook\", \"configuration\": {\"deadLetter\": {\"topic\": \"dlq/#\"}}}"), "$.apis[0].entrypoints[1].configuration.deadLetter.topic", "must not contain"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"webhook\", \"configuration\": {\"maxConcurrentConnections\": 21}}"), "$.apis[0].entrypoints[1].configuration.maxConcurrentConnections", "from 1 to 20"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"webhook\", \"configuration\": {\"headers\": [{\"name\": \"X Bad\", \"value\": \"v\"}]}}"), "$.apis[0].entrypoints[1].configuration.headers[0].name", "not a valid header name"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"webhook\", \"configuration\": {\"headers\": [{\"name\": \"Host\", \"value\": \"x\"}]}}"), "$.apis[0].entrypoints[1].configuration.headers[0].name", "hop-by-hop"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"webhook\", \"configuration\": {\"headers\": [{\"name\": \"X-A\", \"value\": \"a\\nb\"}]}}"), "$.apis[0].entrypoints[1].configuration.headers[0].value", "not a valid header value"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"webhook\"}").andThen(set(SHARED + "/consumer/qos", "\"AT_MOST_ONCE\"")), "$.apis[0].entrypoints[1].qos", "the webhook's default) needs a subscription the gateway can acknowledge"),
            Arguments.of(set(API + "/entrypoints/1", "{\"type\": \"webhook\", \"qos\": \"AT_LEAST_ONCE\"}").andThen(set(SHARED + "/consumer/qos", "0")), "$.apis[0].entrypoints[1].qos", "consumer.qos is AT_MOST_ONCE"),
            Arguments.of(set(API + "/attributes", "{\"gravitee.attribute.mqtt5.qos\": {\"header\": \"X\"}}"), "$.apis[0].attributes.gravitee.attribute.mqtt5.qos", "unknown key"),
            Arguments.of(set(API + "/attributes", "{\"gravitee.attribute.mqtt5.topic\": {}}"), "$.apis[0].attributes['gravitee.attribute.mqtt5.topic']", "a header, a query parameter"),
            Arguments.of(set(API + "/allowedTopics", "[\"ok/#\", \"bad/#/x\"]"), "$.apis[0].allowedTopics[1]", "not a valid topic filter"),
            Arguments.of(remove(API + "/plans"), "$.apis[0].plans", "is required"),
            Arguments.of(set(API + "/plans/0", "{\"name\": \"p\", \"security\": \"oauth2\"}"), "$.apis[0].plans[0].security", "KEY_LESS, API_KEY, JWT"),
            Arguments.of(set(API + "/plans/1", "{\"name\": \"p2\", \"security\": \"key-less\"}"), "$.apis[0].plans[1].security", "one plan per kind"),
            Arguments.of(set(API + "/plans/0", "{\"name\": \"k\", \"security\": \"api-key\"}"), "$.apis[0].plans[0].configuration", "is required"),
            Arguments.of(set(API + "/plans/0", "{\"name\": \"k\", \"security\": \"api-key\", \"configuration\": {\"keys\": [{\"key\": \"short\", \"consumer\": \"a\"}]}}"), "$.apis[0].plans[0].configuration.keys[0].key", "shorter than 8"),
            Arguments.of(set(API + "/plans/0", "{\"name\": \"j\", \"security\": \"jwt\", \"configuration\": {\"secret\": \"0123456789abcdef0123456789abcdef\", \"jwksUrl\": \"http://x/jwks\"}}"), "$.apis[0].plans[0].configuration", "exactly one of secret"),
            Arguments.of(set(API + "/plans/0", "{\"name\": \"j\", \"security\": \"jwt\", \"configuration\": {\"secret\": \"short\"}}"), "$.apis[0].plans[0].configuration.secret", "32 bytes"),
            Arguments.of(set(API + "/plans/0", "{\"name\": \"j\", \"security\": \"jwt\", \"configuration\": {\"publicKey\": \"abc\"}}"), "$.apis[0].plans[0].configuration.publicKey", "PEM public key"),
            Arguments.of(set(API + "/plans/0", "{\"name\": \"j\", \"security\": \"jwt\", \"configuration\": {\"jwksUrl\": \"ftp://x/jwks\"}}"), "$.apis[0].plans[0].configuration.jwksUrl", "http:// or https://"),
            Arguments.of(set("/apis/1", "{}"), "$.apis[1].id", "is required")
        );
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("errors")
    void refusesWithTheJsonPathOfTheProblem(Consumer<ObjectNode> change, String path, String message) throws Exception {
        ObjectNode root = valid();
        change.accept(root);
        assertThatThrownBy(() -> parse(root))
            .isInstanceOf(GatewayConfigException.class)
            .satisfies(e -> assertThat(((GatewayConfigException) e).path()).isEqualTo(path))
            .hasMessageContaining(message);
    }

    @Test
    void aWebhookThatAcknowledgesOnReceiptMayConsumeAtQos0() throws Exception {
        ObjectNode root = valid();
        set(API + "/entrypoints/1", "{\"type\": \"webhook\", \"qos\": \"AT_MOST_ONCE\"}").accept(root);
        set(SHARED + "/consumer/qos", "\"AT_MOST_ONCE\"").accept(root);
        assertThat(parse(root).apis().get(0).webhook().qos()).isEqualTo(DeliveryQos.AT_MOST_ONCE);
    }

    @Test
    void aSecondApiWithTheSameIdOrContextPathIsRefused() throws Exception {
        ObjectNode root = valid();
        ((ArrayNode) root.get("apis")).add(root.get("apis").get(0).deepCopy());
        assertThatThrownBy(() -> parse(root)).hasMessageStartingWith("$.apis[1].id: = demo is used by another API");
        ((ObjectNode) root.get("apis").get(1)).put("id", "other");
        assertThatThrownBy(() -> parse(root)).hasMessageStartingWith("$.apis[1].contextPath: = /demo is used by another API");
    }

    @Test
    void defaultsAreTheReferencesAndTheIssues() throws Exception {
        ObjectNode root = valid();
        set(API + "/entrypoints", "[{\"type\": \"http-post\"}, {\"type\": \"http-get\"}, {\"type\": \"sse\"}, {\"type\": \"websocket\"}, {\"type\": \"webhook\"}]").accept(root);
        GatewayConfig c = parse(root);
        assertThat(c.port()).isEqualTo(8082);
        assertThat(c.managementPath()).isEqualTo("/_gateway");
        ApiDefinition api = c.apis().get(0);
        Mqtt5EndpointConfig.SharedConfiguration s = api.endpoint().shared();
        assertThat(s.reconnectAttempts()).isEqualTo(3);
        assertThat(s.sessionExpiryInterval()).isEqualTo(86_400);
        assertThat(s.clientIdPrefix()).isEqualTo("gio-apim-client-");
        assertThat(s.reconnectBackoff()).isEqualTo(new Mqtt5EndpointConfig.ReconnectBackoff(1_000, 120_000));
        assertThat(s.producer().qos()).isEqualTo(Qos.AT_LEAST_ONCE);
        assertThat(s.consumer().qos()).isEqualTo(Qos.AT_LEAST_ONCE);
        assertThat(s.producer().messageExpiryInterval()).isEqualTo(-1);
        assertThat(s.producer().retained()).isFalse();
        assertThat(api.httpGet().messagesLimitCount()).isEqualTo(500);
        assertThat(api.httpGet().messagesLimitDurationMs()).isEqualTo(30_000);
        assertThat(api.sse().heartbeatIntervalInMs()).isEqualTo(5_000);
        assertThat(api.webSocket().publisherEnabled()).isTrue();
        assertThat(api.webSocket().subscriberEnabled()).isTrue();
        assertThat(api.webSocket().envelope()).isFalse();
        assertThat(api.httpPost().requestHeadersToMessage()).isFalse();
        EntrypointOptions.Webhook w = api.webhook();
        assertThat(w.connectTimeoutMs()).isEqualTo(3_000);
        assertThat(w.readTimeoutMs()).isEqualTo(10_000);
        assertThat(w.idleTimeoutMs()).isEqualTo(60_000);
        assertThat(w.maxConcurrentConnections()).isEqualTo(5);
        assertThat(w.effectiveConcurrency()).isEqualTo(1); // AT_LEAST_ONCE forces one connection
        assertThat(api.allowedTopics()).containsExactly("demo/#", "demo/in");
        assertThat(api.plans().get(0).type()).isEqualTo(PlanConfig.Type.KEY_LESS);
    }

    @Test
    void theReferencesOwnExampleEndpointParses(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path p12 = Files.write(dir.resolve("store.p12"), new byte[]{1});
        ObjectNode root = valid();
        String example = """
            {"name": "default", "type": "mqtt5", "weight": 1, "inheritConfiguration": false,
             "configuration": {"serverHost": "localhost", "serverPort": 9883},
             "sharedConfigurationOverride": {
               "consumer": {"enabled": true, "topic": "example"},
               "producer": {"enabled": true, "topic": "example"},
               "security": {"auth": {"username": "user", "password": "password"},
                            "ssl": {"trustStore": {"type": "PKCS12", "path": "P12", "password": "gravitee"},
                                    "keyStore": {"type": "PKCS12", "path": "P12", "password": "gravitee"}}}}}
            """.replace("P12", p12.toString());
        set(ENDPOINT, example).accept(root);
        Mqtt5EndpointConfig e = parse(root).apis().get(0).endpoint();
        assertThat(e.serverPort()).isEqualTo(9883);
        assertThat(e.shared().consumer().topic()).isEqualTo("example");
        assertThat(e.shared().security().auth().username()).isEqualTo("user");
        assertThat(e.shared().security().ssl().hostnameVerifier()).isTrue();
        assertThat(e.shared().security().ssl().trustStore().type()).isEqualTo(Mqtt5EndpointConfig.StoreType.PKCS12);
        assertThat(e.shared().security().toString()).doesNotContain("password=password");
    }

    /** What users start from (examples/gateway, relative to this module) must keep parsing. */
    @Test
    void theExampleConfigurationsParse() throws Exception {
        Path examples = Path.of("..", "examples", "gateway").toAbsolutePath().normalize();
        GatewayConfig standalone = GatewayConfigParser.load(examples.resolve("gateway-standalone.yaml"));
        assertThat(standalone.apis()).extracting(ApiDefinition::id).containsExactly("demo");
        ApiDefinition api = standalone.apis().get(0);
        assertThat(api.httpPost()).isNotNull();
        assertThat(api.httpGet().messagesLimitDurationMs()).isEqualTo(5000);
        assertThat(api.sse()).isNotNull();
        assertThat(api.webSocket()).isNotNull();
        assertThat(api.webhook().deadLetterTopic()).isEqualTo("dlq/demo");
        assertThat(api.endpoint().serverHost()).isEqualTo("localhost");
        assertThat(api.endpoint().serverPort()).isEqualTo(1883);
        assertThat(api.allowedTopics()).containsExactly("demo/#");
        // tern.yaml's gateway: section as `tern broker` reads it: embedded broker, apiFiles next to the file
        JsonNode tern = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(
            examples.resolve("tern.yaml").toFile());
        GatewayConfig embedded = GatewayConfigParser.parse(tern.get("gateway"), "$.gateway", GatewayConfigParser.Mode.EMBEDDED,
            examples);
        assertThat(embedded.apis()).extracting(ApiDefinition::id).containsExactly("demo");
        assertThat(embedded.apis().get(0).endpoint().usesEmbeddedBroker()).isTrue();
        assertThat(embedded.apis().get(0).webhook().qos()).isEqualTo(DeliveryQos.AT_LEAST_ONCE);
    }

    @Test
    void embeddedModeMayLeaveTheServerOutButNotHalfOfIt() throws Exception {
        ObjectNode root = valid();
        remove(ENDPOINT + "/configuration").accept(root);
        GatewayConfig c = GatewayConfigParser.parse(root, "$.gateway", GatewayConfigParser.Mode.EMBEDDED);
        assertThat(c.apis().get(0).endpoint().usesEmbeddedBroker()).isTrue();
        assertThatThrownBy(() -> parse(root)).hasMessageStartingWith("$.apis[0].endpointGroups[0].endpoints[0].configuration: is required");
        set(ENDPOINT + "/configuration", "{\"serverPort\": 1883}").accept(root);
        assertThatThrownBy(() -> GatewayConfigParser.parse(root, "$.gateway", GatewayConfigParser.Mode.EMBEDDED))
            .hasMessageStartingWith("$.gateway.apis[0].endpointGroups[0].endpoints[0].configuration.serverHost");
    }

    @Test
    void aFileIsReadAsYamlOrJsonAndMayWrapEverythingInGateway(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("g.json"), valid().toString());
        assertThat(GatewayConfigParser.load(json).apis()).hasSize(1);
        Path yaml = Files.writeString(dir.resolve("g.yaml"), "gateway:\n  apis: []\n");
        assertThatThrownBy(() -> GatewayConfigParser.load(yaml)).hasMessageStartingWith("$.gateway.apis: is required");
        Path broken = Files.writeString(dir.resolve("b.yaml"), "apis: [\n");
        assertThatThrownBy(() -> GatewayConfigParser.load(broken)).hasMessageContaining("is not valid YAML");
        assertThatThrownBy(() -> GatewayConfigParser.load(dir.resolve("missing.yaml"))).hasMessageContaining("does not exist");
    }
}
