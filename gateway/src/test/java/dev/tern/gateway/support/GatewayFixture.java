package dev.tern.gateway.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tern.gateway.Gateway;
import dev.tern.gateway.config.GatewayConfig;
import dev.tern.gateway.config.GatewayConfigParser;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** Builds the demo API definition used by the integration tests and runs a gateway on it. */
public final class GatewayFixture {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    public static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One API exposing demo/# through all five entrypoints, key-less. Tokens: PORT, DATADIR, EXTRA_SHARED. */
    public static final String DEMO = """
        http: {host: 127.0.0.1, port: 0}
        dataDir: DATADIR
        apis:
          - id: demo
            contextPath: /demo
            entrypoints:
              - type: http-post
                configuration: {requestHeadersToMessage: true}
              - type: http-get
                configuration: {messagesLimitCount: 100, messagesLimitDurationMs: 800, headersInPayload: true, metadataInPayload: true}
              - type: sse
                configuration: {heartbeatIntervalInMs: 2000, metadataAsComment: true, retryInMs: 3000}
              - type: websocket
              - type: webhook
                qos: AT_LEAST_ONCE
                configuration:
                  httpOptions: {connectTimeout: 1000, readTimeout: 2000}
                  retry: {maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 400}
                  deadLetter: {topic: dlq/demo}
            attributes:
              gravitee.attribute.mqtt5.topic: {header: X-Mqtt-Topic, query: topic}
              gravitee.attribute.mqtt5.responseTopic: {header: X-Mqtt-Response-Topic}
            allowedTopics: ["demo/#"]
            plans:
              - {name: open, security: key-less}
            endpointGroups:
              - name: default
                type: mqtt5
                sharedConfiguration:
                  reconnectAttempts: 10
                  reconnectBackoff: {initialDelayMs: 100, maxDelayMs: 500}
                  sessionExpiryInterval: 60
                  consumer: {enabled: true, topic: "demo/#"}
                  producer: {enabled: true, topic: demo/in, messageExpiryInterval: 120, responseTopic: demo/replies}
                  EXTRA_SHARED
                endpoints:
                  - name: default
                    type: mqtt5
                    configuration: {serverHost: 127.0.0.1, serverPort: PORT}
        """;

    private GatewayFixture() {
    }

    public static GatewayConfig config(String yaml) throws Exception {
        return GatewayConfigParser.parse(YAML.readTree(yaml), "$", GatewayConfigParser.Mode.STANDALONE);
    }

    public static String demo(int port, Path dataDir, String extraShared) {
        return DEMO.replace("PORT", String.valueOf(port)).replace("DATADIR", dataDir.toString())
            .replace("EXTRA_SHARED", extraShared == null ? "" : extraShared);
    }

    public static Gateway start(String yaml) throws Exception {
        return Gateway.builder().config(config(yaml)).build().start();
    }

    public static String base(Gateway g) {
        return "http://127.0.0.1:" + g.port();
    }

    public static HttpResponse<String> send(HttpRequest r) throws Exception {
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    public static HttpResponse<String> get(String url, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return send(b.build());
    }

    public static HttpResponse<String> post(String url, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }
}
