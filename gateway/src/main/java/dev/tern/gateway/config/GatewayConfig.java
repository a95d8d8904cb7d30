package dev.tern.gateway.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The whole gateway configuration: an immutable tree, validated when parsed
 * ({@link GatewayConfigParser}).
 *
 * @param host                address of the HTTP listener (default 0.0.0.0)
 * @param port                port of the HTTP listener (default 8082; 0 picks a free one)
 * @param maxRequestBodySize  largest HTTP POST body accepted, bytes (default 1 MiB); larger: 413
 * @param managementPath      prefix of the gateway's REST API (webhook subscriptions), default {@code /_gateway}
 * @param dataDir             where webhook subscriptions are kept across restarts
 * @param maxConsumerSessions pooled consumer sessions (one MQTT client each) at most; more: 503
 * @param consumerBufferSize  messages a consumer session holds for its readers; it is also the
 *                            Receive Maximum the session's MQTT client announces
 */
public record GatewayConfig(String host, int port, long maxRequestBodySize, String managementPath, Path dataDir,
                            int maxConsumerSessions, int consumerBufferSize, List<ApiDefinition> apis) {
    public static final int DEFAULT_PORT = 8082;

    public GatewayConfig {
        apis = List.copyOf(apis);
    }

    public GatewayConfig withApis(List<ApiDefinition> v) {
        return new GatewayConfig(host, port, maxRequestBodySize, managementPath, dataDir, maxConsumerSessions,
            consumerBufferSize, v);
    }

    public GatewayConfig withPort(int v) {
        return new GatewayConfig(host, v, maxRequestBodySize, managementPath, dataDir, maxConsumerSessions,
            consumerBufferSize, apis);
    }

    public GatewayConfig withDataDir(Path v) {
        return new GatewayConfig(host, port, maxRequestBodySize, managementPath, v, maxConsumerSessions,
            consumerBufferSize, apis);
    }
}
