package dev.tern.gateway.config;

import dev.tern.gateway.config.PlanConfig.ApiKey;
import dev.tern.gateway.config.PlanConfig.Jwt;
import dev.tern.gateway.config.PlanConfig.Key;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code plans}: key-less, api-key and jwt. */
final class PlanParser {
    private PlanParser() {
    }

    static List<PlanConfig> plans(ConfigNode api) throws GatewayConfigException {
        List<ConfigNode> list = api.list("plans");
        if (list.isEmpty()) {
            throw api.error("plans", "is required: at least one plan (security: key-less, api-key or jwt)");
        }
        List<PlanConfig> out = new ArrayList<>();
        Set<PlanConfig.Type> types = new HashSet<>();
        for (ConfigNode p : list) {
            p.only("name", "security", "configuration");
            String name = p.requiredString("name");
            PlanConfig.Type type = p.has("security") && p.node.get("security").isObject()
                ? p.child("security").only("type").enumValue("type", PlanConfig.Type.class, null)
                : p.enumValue("security", PlanConfig.Type.class, null);
            if (type == null) {
                throw p.error("security", "is required: key-less, api-key or jwt");
            }
            if (!types.add(type)) {
                throw p.error("security", "= " + type + " is used by another plan of this API: one plan per kind");
            }
            ConfigNode c = p.has("configuration") ? p.child("configuration") : null;
            switch (type) {
                case KEY_LESS -> {
                    if (c != null) {
                        c.only();
                    }
                    out.add(new PlanConfig(name, type, null, null));
                }
                case API_KEY -> out.add(new PlanConfig(name, type, apiKey(p, c), null));
                case JWT -> out.add(new PlanConfig(name, type, null, jwt(p, c)));
            }
        }
        return out;
    }

    private static ApiKey apiKey(ConfigNode p, ConfigNode c) throws GatewayConfigException {
        if (c == null) {
            throw p.error("configuration", "is required for an api-key plan: {keys: [{key, consumer}]}");
        }
        c.only("header", "query", "keys");
        List<Key> keys = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ConfigNode k : c.list("keys")) {
            k.only("key", "consumer");
            String key = k.requiredString("key");
            if (key.length() < 8) {
                throw k.error("key", "is shorter than 8 characters");
            }
            if (!seen.add(key)) {
                throw k.error("key", "is listed twice");
            }
            keys.add(new Key(key, k.requiredString("consumer")));
        }
        if (keys.isEmpty()) {
            throw c.error("keys", "is required: at least one {key, consumer}");
        }
        return new ApiKey(c.string("header", ApiKey.DEFAULT_HEADER), c.string("query", ApiKey.DEFAULT_QUERY), keys);
    }

    private static Jwt jwt(ConfigNode p, ConfigNode c) throws GatewayConfigException {
        if (c == null) {
            throw p.error("configuration", "is required for a jwt plan: one of secret, publicKey or jwksUrl");
        }
        c.only("secret", "publicKey", "jwksUrl", "jwksCacheSeconds", "issuer", "audience", "consumerClaim",
            "scopeClaim", "requiredScopes", "clockSkewSeconds");
        String secret = c.string("secret", null);
        String publicKey = c.string("publicKey", null);
        String jwksUrl = c.string("jwksUrl", null);
        int count = (secret != null ? 1 : 0) + (publicKey != null ? 1 : 0) + (jwksUrl != null ? 1 : 0);
        if (count != 1) {
            throw c.error("set exactly one of secret (HMAC), publicKey (PEM) and jwksUrl");
        }
        if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            throw c.error("secret", "is shorter than 32 bytes (256 bits), the minimum for HS256");
        }
        if (publicKey != null && !publicKey.contains("-----BEGIN PUBLIC KEY-----")) {
            throw c.error("publicKey", "must be a PEM public key (-----BEGIN PUBLIC KEY-----)");
        }
        if (jwksUrl != null) {
            try {
                URI u = URI.create(jwksUrl);
                if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                    throw c.error("jwksUrl", "= " + jwksUrl + " must be an http:// or https:// URL");
                }
            } catch (IllegalArgumentException e) {
                throw c.error("jwksUrl", "= " + jwksUrl + " is not a URL");
            }
        }
        Set<String> scopes = new LinkedHashSet<>(c.strings("requiredScopes"));
        return new Jwt(secret, publicKey, jwksUrl, c.longValue("jwksCacheSeconds", 1800, 0, 86_400),
            c.string("issuer", null), c.string("audience", null), c.string("consumerClaim", "sub"),
            c.string("scopeClaim", "scope"), scopes, c.longValue("clockSkewSeconds", 60, 0, 3600));
    }
}
