package dev.tern.gateway;

import dev.tern.gateway.support.GatewayFixture;
import dev.tern.gateway.support.SseClient;
import dev.tern.testkit.MosquittoProcess;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.tern.gateway.support.GatewayFixture.base;
import static dev.tern.gateway.support.GatewayFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS and username/password to the backend: a real Mosquitto with a TLS listener (self-signed
 * certificate made here with keytool) and a password file.
 */
class BackendTlsIT {
    @TempDir
    static Path dir;
    static MosquittoProcess mosquitto;
    static Path p12;
    static String certPem;

    static final String YAML = """
        http: {host: 127.0.0.1, port: 0}
        dataDir: DATADIR
        apis:
          - id: tls
            contextPath: /tls
            entrypoints: [{type: http-post}, {type: sse, configuration: {heartbeatIntervalInMs: 2000}}]
            plans: [{name: open, security: key-less}]
            endpointGroups:
              - name: g
                type: mqtt5
                sharedConfiguration:
                  reconnectAttempts: 0
                  consumer: {enabled: true, topic: "secure/#"}
                  producer: {enabled: true, topic: secure/in}
                  security:
                    auth: {username: gateway, password: PASSWORD}
                    ssl: SSL
                endpoints: [{name: e, type: mqtt5, configuration: {serverHost: HOST, serverPort: PORT}}]
        """;

    @BeforeAll
    static void start() throws Exception {
        p12 = dir.resolve("broker.p12");
        Process p = new ProcessBuilder("keytool", "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048",
            "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2",
            "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", "changeit").redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(p12.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        certPem = pem("CERTIFICATE", ks.getCertificate("broker").getEncoded());
        Path cert = Files.writeString(dir.resolve("broker.crt"), certPem);
        Path key = Files.writeString(dir.resolve("broker.key"),
            pem("PRIVATE KEY", ((PrivateKey) ks.getKey("broker", "changeit".toCharArray())).getEncoded()));
        MosquittoProcess.readableByBroker(dir);
        MosquittoProcess.readableByBroker(cert);
        MosquittoProcess.readableByBroker(key);
        List<String> conf = new ArrayList<>(List.of("certfile " + cert, "keyfile " + key));
        conf.addAll(MosquittoProcess.passwordConfig("gateway", "s3cret"));
        mosquitto = MosquittoProcess.start(conf);
    }

    @AfterAll
    static void stop() {
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }

    static Gateway gateway(String host, String password, String ssl) throws Exception {
        return GatewayFixture.start(YAML.replace("DATADIR", dir.toString()).replace("HOST", host)
            .replace("PORT", String.valueOf(mosquitto.port())).replace("PASSWORD", password).replace("SSL", ssl));
    }

    static String pemTrust() {
        return "{trustStore: {type: PEM, content: " + Base64.getEncoder().encodeToString(certPem.getBytes()) + "}}";
    }

    @Test
    void publishesAndStreamsOverTlsWithUsernameAndPassword() throws Exception {
        try (Gateway g = gateway("localhost", "s3cret", pemTrust())) {
            SseClient sse = new SseClient(base(g) + "/tls", Map.of("X-Gravitee-Client-Identifier", "tls-app"));
            try (sse) {
                assertThat(sse.awaitStatus()).isEqualTo(200);
                org.awaitility.Awaitility.await().until(() -> g.sessions().size() == 1);
                assertThat(post(base(g) + "/tls", "over tls").statusCode()).isEqualTo(202);
                assertThat(sse.next().data()).isEqualTo("over tls");
            }
        }
    }

    @Test
    void aPkcs12TrustStoreByPathWorksToo() throws Exception {
        try (Gateway g = gateway("localhost", "s3cret", "{trustStore: {type: PKCS12, path: " + p12 + ", password: changeit}}")) {
            assertThat(post(base(g) + "/tls", "p12").statusCode()).isEqualTo(202);
        }
    }

    @Test
    void aWrongPasswordIsEndpointConnectionFailed() throws Exception {
        try (Gateway g = gateway("localhost", "wrong", pemTrust())) {
            HttpResponse<String> r = post(base(g) + "/tls", "x");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(new JsonObject(r.body()).getString("key")).isEqualTo("FAILURE_ENDPOINT_CONNECTION_FAILED");
        }
    }

    @Test
    void anUntrustedCertificateOrAnotherHostNameIsRefusedUnlessVerificationIsOff() throws Exception {
        try (Gateway g = gateway("localhost", "s3cret", "{hostnameVerifier: true}")) {
            assertThat(post(base(g) + "/tls", "x").statusCode()).isEqualTo(500); // the JVM does not trust it
        }
        // the certificate names localhost only, so 127.0.0.1 fails hostname verification
        try (Gateway g = gateway("127.0.0.1", "s3cret", pemTrust())) {
            HttpResponse<String> r = post(base(g) + "/tls", "x");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(new JsonObject(r.body()).getString("key")).isEqualTo("FAILURE_ENDPOINT_CONNECTION_FAILED");
        }
        String off = "{hostnameVerifier: false, trustStore: {type: PEM, content: "
            + Base64.getEncoder().encodeToString(certPem.getBytes()) + "}}";
        try (Gateway g = gateway("127.0.0.1", "s3cret", off)) {
            assertThat(post(base(g) + "/tls", "x").statusCode()).isEqualTo(202);
        }
    }

    @Test
    void aTrustStoreWithABadPasswordStopsTheStart() {
        assertThatThrownBy(() -> gateway("localhost", "s3cret", "{trustStore: {type: PKCS12, path: " + p12 + ", password: nope}}"))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("security.ssl cannot be used");
    }
}
