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
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
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
 * certificate made here with keytool) and a password file; a second one also requires a client
 * certificate signed by a test CA (made here with openssl, a CI dependency).
 */
class BackendTlsIT {
    @TempDir
    static Path dir;
    static MosquittoProcess mosquitto;
    static MosquittoProcess mutualTls;
    static Path p12;
    static String certPem;
    static Path clientCert;
    static Path clientKey;
    static Path clientP12;
    static Path twoKeysP12;

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
        clientCertificates();
        MosquittoProcess.readableByBroker(dir.resolve("ca.crt"));
        List<String> mtls = new ArrayList<>(conf);
        mtls.addAll(List.of("cafile " + dir.resolve("ca.crt"), "require_certificate true"));
        mutualTls = MosquittoProcess.start(mtls);
    }

    /**
     * A test CA, a client certificate it signed (PEM, and PKCS12 with its chain), and a key store with
     * two key entries: that client ("client") and a self-signed stranger the broker does not trust.
     */
    static void clientCertificates() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=tern-test-ca");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=gateway");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", "2", "-days", "2",
            "-out", "client.crt");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "stranger.key", "-out", "stranger.crt", "-days", "2",
            "-subj", "/CN=stranger");
        clientCert = dir.resolve("client.crt");
        clientKey = dir.resolve("client.key");
        Certificate ca = certificate(dir.resolve("ca.crt"));
        KeyStore one = KeyStore.getInstance("PKCS12");
        one.load(null, null);
        one.setKeyEntry("client", key(clientKey), "changeit".toCharArray(), new Certificate[]{certificate(clientCert), ca});
        clientP12 = store(one, "client.p12");
        one.setKeyEntry("stranger", key(dir.resolve("stranger.key")), "changeit".toCharArray(),
            new Certificate[]{certificate(dir.resolve("stranger.crt"))});
        twoKeysP12 = store(one, "two-keys.p12");
    }

    static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    static Certificate certificate(Path pem) throws Exception {
        try (FileInputStream in = new FileInputStream(pem.toFile())) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    static PrivateKey key(Path pkcs8Pem) throws Exception {
        String b64 = Files.readString(pkcs8Pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    }

    static Path store(KeyStore ks, String name) throws Exception {
        Path file = dir.resolve(name);
        try (var out = Files.newOutputStream(file)) {
            ks.store(out, "changeit".toCharArray());
        }
        return file;
    }

    @AfterAll
    static void stop() {
        if (mosquitto != null) {
            mosquitto.close();
        }
        if (mutualTls != null) {
            mutualTls.close();
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }

    static Gateway gateway(String host, String password, String ssl) throws Exception {
        return gateway(mosquitto, host, password, ssl);
    }

    static Gateway gateway(MosquittoProcess broker, String host, String password, String ssl) throws Exception {
        return GatewayFixture.start(YAML.replace("DATADIR", dir.toString()).replace("HOST", host)
            .replace("PORT", String.valueOf(broker.port())).replace("PASSWORD", password).replace("SSL", ssl));
    }

    /** The broker's PEM trust plus a key store. */
    static String withKeyStore(String keyStore) {
        return "{trustStore: {type: PEM, content: " + Base64.getEncoder().encodeToString(certPem.getBytes())
            + "}, keyStore: " + keyStore + "}";
    }

    static int postThroughMutualTls(String ssl) throws Exception {
        try (Gateway g = gateway(mutualTls, "localhost", "s3cret", ssl)) {
            return post(base(g) + "/tls", "mtls").statusCode();
        }
    }

    @Test
    void aClientCertificateFromPemOrPkcs12IsPresentedToABrokerThatRequiresOne() throws Exception {
        assertThat(postThroughMutualTls(withKeyStore("{type: PEM, certPath: " + clientCert + ", keyPath: " + clientKey + "}")))
            .isEqualTo(202);
        assertThat(postThroughMutualTls(withKeyStore("{type: PKCS12, content: "
            + Base64.getEncoder().encodeToString(Files.readAllBytes(clientP12)) + ", password: changeit}"))).isEqualTo(202);
        assertThat(postThroughMutualTls(pemTrust())).as("no client certificate").isEqualTo(500);
    }

    @Test
    void keyStoreAliasSelectsTheKeyEntryPresented() throws Exception {
        String twoKeys = "{type: PKCS12, path: " + twoKeysP12 + ", password: changeit, alias: ALIAS}";
        assertThat(postThroughMutualTls(withKeyStore(twoKeys.replace("ALIAS", "client")))).isEqualTo(202);
        // the stranger's certificate is not signed by the CA the broker trusts: the JVM presents none, the broker refuses
        assertThat(postThroughMutualTls(withKeyStore(twoKeys.replace("ALIAS", "stranger")))).isEqualTo(500);
        assertThatThrownBy(() -> gateway(mutualTls, "localhost", "s3cret", withKeyStore(twoKeys.replace("ALIAS", "nobody"))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("$.apis[0].endpointGroups[0].sharedConfiguration.security.ssl.keyStore.alias: = nobody")
            .hasMessageContaining("its key entries: ");
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
