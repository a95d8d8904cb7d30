package dev.tern.gateway;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.gateway.mqtt.ConsumerSession;
import dev.tern.gateway.support.GatewayFixture;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tern.gateway.support.GatewayFixture.base;
import static dev.tern.gateway.support.GatewayFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Plans: API key and JWT (HMAC secret and JWKS URL), 401 and 403, and the consumer identity they give. */
class PlansIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    static final String SECRET = "an-hmac-secret-of-at-least-32-bytes!";
    static RSAKey rsa;
    static HttpServer jwks;
    static final AtomicInteger jwksFetches = new AtomicInteger();
    static Gateway gateway;

    static final String YAML = """
        http: {host: 127.0.0.1, port: 0}
        dataDir: DATADIR
        apis:
          - id: keys
            contextPath: /keys
            entrypoints: [{type: http-post}, {type: http-get, configuration: {messagesLimitDurationMs: 200}}]
            plans:
              - name: with-key
                security: api-key
                configuration: {keys: [{key: key-of-app-1, consumer: app-1}]}
              - name: with-jwt
                security: jwt
                configuration: {secret: "SECRET", issuer: idp, requiredScopes: [publish], consumerClaim: sub}
            endpointGroups:
              - name: g
                type: mqtt5
                sharedConfiguration:
                  consumer: {enabled: true, topic: "plans/#"}
                  producer: {enabled: true, topic: plans/in}
                endpoints: [{name: e, type: mqtt5, configuration: {serverHost: 127.0.0.1, serverPort: PORT}}]
          - id: jwks
            contextPath: /jwks
            entrypoints: [{type: http-post}]
            plans:
              - name: remote-keys
                security: jwt
                configuration: {jwksUrl: "JWKS", consumerClaim: tenant}
            endpointGroups:
              - name: g
                type: mqtt5
                sharedConfiguration:
                  sessionExpiryInterval: -1
                  clientIdPrefix: tern-gw-
                  producer: {enabled: true, topic: plans/jwks}
                endpoints: [{name: e, type: mqtt5, configuration: {serverHost: 127.0.0.1, serverPort: PORT}}]
        """;

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("key-1").generate();
        jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwks.createContext("/jwks.json", ex -> {
            jwksFetches.incrementAndGet();
            byte[] body = new JWKSet(rsa.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        jwks.start();
        gateway = GatewayFixture.start(YAML.replace("PORT", String.valueOf(broker.port())).replace("DATADIR", dir.toString())
            .replace("SECRET", SECRET).replace("JWKS", "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        jwks.stop(0);
    }

    static String hs256(String scope, Instant exp) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject("tenant-a")
            .issuer("idp").claim("scope", scope).expirationTime(Date.from(exp)).build());
        jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    static String key(HttpResponse<String> r) {
        return new JsonObject(r.body()).getString("key");
    }

    @Test
    void withoutCredentialsNoPlanMatches() throws Exception {
        HttpResponse<String> r = post(base(gateway) + "/keys", "x");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(key(r)).isEqualTo("GATEWAY_PLAN_UNRESOLVABLE");
    }

    @Test
    void anApiKeyInTheHeaderOrTheQueryLetsItsConsumerIn() throws Exception {
        HttpResponse<String> wrong = post(base(gateway) + "/keys", "x", "X-Gravitee-Api-Key", "not-a-known-key");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(key(wrong)).isEqualTo("API_KEY_INVALID");
        assertThat(post(base(gateway) + "/keys", "x", "X-Gravitee-Api-Key", "key-of-app-1").statusCode()).isEqualTo(202);
        assertThat(post(base(gateway) + "/keys?api-key=key-of-app-1", "x").statusCode()).isEqualTo(202);
    }

    @Test
    void theConsumerIdentityNamesTheSharedGroupAndTheClientIdKeepsTheReferencePrefix() throws Exception {
        HttpResponse<String> r = GatewayFixture.send(HttpRequest.newBuilder(URI.create(base(gateway) + "/keys?limit=1"))
            .header("X-Gravitee-Api-Key", "key-of-app-1").header("Accept", "application/json").GET().build());
        assertThat(r.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> !gateway.sessions().list().isEmpty());
        ConsumerSession s = gateway.sessions().list().get(0);
        assertThat(s.sharedFilter()).isEqualTo("$share/app-1/plans/#");
        assertThat(s.clientId()).matches("gio-apim-client-[0-9a-f]{8}");
    }

    @Test
    void aJwtIsVerifiedAndItsScopesChecked() throws Exception {
        String ok = hs256("publish read", Instant.now().plusSeconds(300));
        assertThat(post(base(gateway) + "/keys", "x", "Authorization", "Bearer " + ok).statusCode()).isEqualTo(202);
        HttpResponse<String> expired = post(base(gateway) + "/keys", "x", "Authorization",
            "Bearer " + hs256("publish", Instant.now().minusSeconds(3600)));
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(key(expired)).isEqualTo("JWT_INVALID_TOKEN");
        HttpResponse<String> noScope = post(base(gateway) + "/keys", "x", "Authorization",
            "Bearer " + hs256("read", Instant.now().plusSeconds(300)));
        assertThat(noScope.statusCode()).isEqualTo(403);
        assertThat(key(noScope)).isEqualTo("JWT_INSUFFICIENT_SCOPE");
        HttpResponse<String> garbage = post(base(gateway) + "/keys", "x", "Authorization", "Bearer abc.def");
        assertThat(garbage.statusCode()).isEqualTo(401);
    }

    @Test
    void aJwksUrlProvidesTheKeysAndIsCached() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("key-1").build(),
            new JWTClaimsSet.Builder().claim("tenant", "t-9").expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        jwt.sign(new RSASSASigner(rsa));
        for (int i = 0; i < 3; i++) {
            assertThat(post(base(gateway) + "/jwks", "x", "Authorization", "Bearer " + jwt.serialize()).statusCode()).isEqualTo(202);
        }
        assertThat(jwksFetches.get()).isEqualTo(1);
        SignedJWT noTenant = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("key-1").build(),
            new JWTClaimsSet.Builder().subject("s").expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        noTenant.sign(new RSASSASigner(rsa));
        assertThat(post(base(gateway) + "/jwks", "x", "Authorization", "Bearer " + noTenant.serialize()).statusCode()).isEqualTo(401);
    }
}
