package dev.tern.coap;

import dev.tern.testkit.MosquittoProcess;
import dev.tern.testkit.SelfSignedCertificate;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bridge publishing over TLS ({@code mqtt.tls}) to a real Mosquitto whose second listener has a
 * self-signed certificate made for the test (openssl); a subscriber reads on its plain listener.
 * Tern has no TLS listener yet. With the certificate in the trust store a push is acknowledged
 * end to end; with the JVM's trust store, which does not know it, the handshake fails and so does
 * the push.
 */
class CoapBridgeTlsMosquittoIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static Path dir;
    private static Path trustStore;
    private static int tlsPort;
    private static MosquittoProcess mosquitto;

    private CoapBridge bridge;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tern-coap-tls");
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir);
        trustStore = certificate.trustStore();
        tlsPort = MosquittoProcess.freePort();
        mosquitto = MosquittoProcess.start(List.of(
            "listener " + tlsPort + " 127.0.0.1",
            "certfile " + certificate.cert(),
            "keyfile " + certificate.key()));
    }

    @AfterAll
    static void stop() throws IOException {
        mosquitto.close();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @AfterEach
    void closeBridge() {
        if (bridge != null) {
            bridge.close();
        }
    }

    @Test
    void aPushIsPublishedOverTlsToABrokerTheTrustStoreVouchesFor() throws Exception {
        Path registry = registry();
        try (Subscriber s = Subscriber.subscribe(mosquitto.port(), "sub-tls", "acme/#")) {
            bridge = start(registry, new MqttTls(trustStore, SelfSignedCertificate.PASSWORD, null, null, true), Duration.ofSeconds(10));
            CoapResponse r = push("meter-1/reading", "42");
            assertThat(r.getCode()).isEqualTo(ResponseCode.CHANGED);
            await().atMost(WAIT).until(() -> s.payloads().contains("42"));
            assertThat(s.last().getTopic().toString()).isEqualTo("acme/read/meter-1/reading");
        }
    }

    @Test
    void aBrokerCertificateNobodyVouchesForIsRefused() throws Exception {
        bridge = start(registry(), MqttTls.DEFAULTS, Duration.ofMillis(500));
        CoapResponse r = push("meter-1/reading", "never");
        assertThat(r.getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
    }

    private static Path registry() throws IOException {
        Path registry = Files.createTempFile(dir, "devices", ".yaml");
        Files.writeString(registry, """
            devices:
              - id: meter-1
                tenant: acme
            """);
        return registry;
    }

    private static CoapBridge start(Path registry, MqttTls tls, Duration publishTimeout) throws Exception {
        MqttTarget target = new MqttTarget("127.0.0.1", tlsPort, "bridge-tls-" + UUID.randomUUID(), null, null, 0, 30)
            .withTls(tls);
        CoapBridgeConfig config = CoapBridgeConfig.builder(registry)
            .coap("127.0.0.1", 0)
            .publishTimeout(publishTimeout)
            .mqtt(target).build();
        // nothing waits for the broker at close in vain: a refused message is never acknowledged
        return CoapBridge.builder(config).drainTimeout(Duration.ZERO).build().start();
    }

    private CoapResponse push(String path, String payload) throws Exception {
        return DevicePush.post(bridge.coapPort(), path, payload, false, WAIT);
    }
}
