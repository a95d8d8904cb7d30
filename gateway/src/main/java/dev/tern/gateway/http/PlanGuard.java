package dev.tern.gateway.http;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.ApiDefinition;
import dev.tern.gateway.config.PlanConfig;
import dev.tern.gateway.jwt.JwtVerificationException;
import dev.tern.gateway.jwt.JwtVerifier;
import dev.tern.gateway.jwt.VerifiedToken;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Lets a request in through one of the API's plans and names its consumer. The plan is chosen by
 * the credentials the request carries: an API key selects the api-key plan, a bearer token the
 * jwt plan, nothing the key-less plan. Bad credentials: 401; a token without a required scope: 403.
 */
public final class PlanGuard {
    /** Header a key-less consumer may send to name itself (the reference's client identifier header). */
    public static final String CLIENT_IDENTIFIER_HEADER = "X-Gravitee-Client-Identifier";

    /** Who is calling, through which plan. */
    public record Caller(String identity, String plan) {
    }

    private final Vertx vertx;
    private final PlanConfig keyless;
    private final PlanConfig apiKeyPlan;
    private final PlanConfig jwtPlan;
    private final JwtVerifier jwt;
    private final Map<String, String> keys = new HashMap<>();

    public PlanGuard(Vertx vertx, ApiDefinition api, Clock clock) {
        this.vertx = vertx;
        PlanConfig k = null;
        PlanConfig a = null;
        PlanConfig j = null;
        for (PlanConfig p : api.plans()) {
            switch (p.type()) {
                case KEY_LESS -> k = p;
                case API_KEY -> a = p;
                case JWT -> j = p;
            }
        }
        keyless = k;
        apiKeyPlan = a;
        jwtPlan = j;
        if (a != null) {
            a.apiKey().keys().forEach(key -> keys.put(key.key(), key.consumer()));
        }
        jwt = j == null ? null : verifier(j.jwt(), clock);
    }

    static JwtVerifier verifier(PlanConfig.Jwt c, Clock clock) {
        JwtVerifier.Builder b = JwtVerifier.builder().clock(clock).clockSkew(Duration.ofSeconds(c.clockSkewSeconds()))
            .scopeClaim(c.scopeClaim()).issuer(c.issuer()).audience(c.audience());
        if (c.secret() != null) {
            b.hmacSecret(c.secret().getBytes(StandardCharsets.UTF_8));
        } else if (c.publicKey() != null) {
            b.publicKeyPem(c.publicKey());
        } else {
            b.jwksUrl(c.jwksUrl(), Duration.ofSeconds(c.jwksCacheSeconds()));
        }
        return b.build();
    }

    public Future<Caller> authenticate(HttpServerRequest req) {
        if (apiKeyPlan != null) {
            String key = Optional.ofNullable(req.getHeader(apiKeyPlan.apiKey().header()))
                .orElse(req.getParam(apiKeyPlan.apiKey().queryParameter()));
            if (key != null) {
                String consumer = lookup(key);
                if (consumer == null) {
                    return Future.failedFuture(new GatewayException(GatewayFailure.API_KEY_INVALID, null));
                }
                return Future.succeededFuture(new Caller(consumer, apiKeyPlan.name()));
            }
        }
        String auth = req.getHeader("Authorization");
        if (jwtPlan != null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = auth.substring(7).trim();
            if (jwt.mayBlock()) {
                return vertx.executeBlocking(() -> verify(token), false);
            }
            try {
                return Future.succeededFuture(verify(token));
            } catch (GatewayException e) {
                return Future.failedFuture(e);
            }
        }
        if (keyless != null) {
            String id = req.getHeader(CLIENT_IDENTIFIER_HEADER);
            if (id == null || id.isBlank()) {
                id = req.remoteAddress() == null ? "anonymous" : req.remoteAddress().hostAddress();
            }
            return Future.succeededFuture(new Caller(id, keyless.name()));
        }
        return Future.failedFuture(new GatewayException(GatewayFailure.GATEWAY_PLAN_UNRESOLVABLE,
            "no plan of this API matches the request: " + (apiKeyPlan != null ? "send an API key in "
                + apiKeyPlan.apiKey().header() + (jwtPlan != null ? " or " : "") : "")
                + (jwtPlan != null ? "send Authorization: Bearer <JWT>" : "")));
    }

    /** Constant-time comparison, so response timing does not reveal a key prefix. */
    private String lookup(String key) {
        byte[] given = key.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Map.Entry<String, String> e : keys.entrySet()) {
            if (MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                found = e.getValue();
            }
        }
        return found;
    }

    private Caller verify(String token) {
        VerifiedToken t;
        try {
            t = jwt.verify(token);
        } catch (JwtVerificationException e) {
            throw new GatewayException(GatewayFailure.JWT_INVALID_TOKEN, e.getMessage(), e);
        }
        PlanConfig.Jwt c = jwtPlan.jwt();
        for (String scope : c.requiredScopes()) {
            if (!t.scopes().contains(scope)) {
                throw new GatewayException(GatewayFailure.JWT_INSUFFICIENT_SCOPE, "the token lacks scope " + scope);
            }
        }
        String id = t.claim(c.consumerClaim()).orElse(null);
        if (id == null || id.isBlank()) {
            throw new GatewayException(GatewayFailure.JWT_INVALID_TOKEN, "the token has no " + c.consumerClaim() + " claim");
        }
        return new Caller(id, jwtPlan.name());
    }
}
