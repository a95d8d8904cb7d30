package dev.tern.gateway.config;

import java.util.List;
import java.util.Set;

/**
 * A plan: how a consumer is identified and let in. The consumer identity it yields names the
 * shared subscription group ({@code $share/{identity}/{topic}}).
 */
public record PlanConfig(String name, Type type, ApiKey apiKey, Jwt jwt) {

    public enum Type { KEY_LESS, API_KEY, JWT }

    /** {@code api-key}: keys, each with the consumer it identifies, read from a header or query parameter. */
    public record ApiKey(String header, String queryParameter, List<Key> keys) {
        public static final String DEFAULT_HEADER = "X-Gravitee-Api-Key";
        public static final String DEFAULT_QUERY = "api-key";
    }

    public record Key(String key, String consumer) {
        @Override
        public String toString() {
            return "Key[consumer=" + consumer + "]";
        }
    }

    /**
     * {@code jwt}: a bearer token verified with exactly one of an HMAC secret, a PEM public key or a
     * JWKS URL; the consumer identity is {@code consumerClaim} (default {@code sub}).
     */
    public record Jwt(String secret, String publicKey, String jwksUrl, long jwksCacheSeconds, String issuer,
                      String audience, String consumerClaim, String scopeClaim, Set<String> requiredScopes,
                      long clockSkewSeconds) {
        @Override
        public String toString() {
            return "Jwt[issuer=" + issuer + ", audience=" + audience + ", jwksUrl=" + jwksUrl + "]";
        }
    }
}
