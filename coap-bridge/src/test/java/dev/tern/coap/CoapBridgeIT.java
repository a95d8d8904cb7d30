package dev.tern.coap;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.broker.test.EmbeddedBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bridge between simulated sensors (Californium servers on 127.0.0.1) and a real Tern broker,
 * observed by real MQTT 5 subscribers.
 */
class CoapBridgeIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @TempDir
    Path dir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private CoapBridge bridge;

    @AfterEach
    void tearDown() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void observedNotificationsReachTheOwningTenantAtTheDefaultQosAndNoOtherTenant() throws Exception {
        Sensor sensor = track(Sensor.start(0).add("temperature", "{\"t\":20}", MediaTypeRegistry.APPLICATION_JSON));
        Path registry = registry("""
            devices:
              - id: dev-a
                tenant: A
                address: %s
                resources: [temperature]
              - id: dev-b
                tenant: B
            """.formatted(sensor.address()));
        Subscriber a = track(Subscriber.subscribe(broker.port(), "sub-a", "A/#"));
        Subscriber b = track(Subscriber.subscribe(broker.port(), "sub-b", "B/#"));
        start(registry, UnaryOperator.identity());

        await().atMost(WAIT).until(() -> a.payloads().contains("{\"t\":20}"));
        assertThat(gauge("tern.coap.observations.active")).isEqualTo(1);
        for (int i = 21; i <= 25; i++) {
            String v = "{\"t\":" + i + "}";
            sensor.set("temperature", v);
            await().atMost(WAIT).until(() -> a.payloads().contains(v));
        }
        assertThat(a.payloads()).containsSubsequence("{\"t\":20}", "{\"t\":21}", "{\"t\":22}", "{\"t\":23}", "{\"t\":24}", "{\"t\":25}");
        for (Mqtt5Publish p : a.received) {
            assertThat(p.getTopic().toString()).isEqualTo("A/read/dev-a/temperature");
            assertThat(p.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            assertThat(p.getContentType()).hasValueSatisfying(ct -> assertThat(ct.toString()).isEqualTo("application/json"));
            assertThat(p.getUserProperties().asList()).anySatisfy(up -> {
                assertThat(up.getName().toString()).isEqualTo("coap-content-format");
                assertThat(up.getValue().toString()).isEqualTo("50");
            });
        }

        // Tenant B's filter got nothing of A's. The bridge publishes in order on one connection, so once
        // B's own message (pushed after A's last) arrives, anything of A's routed to B would be there too.
        assertThat(push("dev-b/door", "closed", false).getCode()).isEqualTo(ResponseCode.CHANGED);
        await().atMost(WAIT).until(() -> !b.received.isEmpty());
        assertThat(b.topics()).containsExactly("B/read/dev-b/door");
        assertThat(counter("tern.coap.notifications.in", "source", "observe")).isGreaterThanOrEqualTo(6);
        assertThat(counter("tern.coap.publishes.out", "qos", "1")).isGreaterThanOrEqualTo(7);
    }

    @Test
    void theDefaultQosIsConfigurableAndAResourceOverridesIt() throws Exception {
        Sensor sensor = track(Sensor.start(0)
            .add("level", "1", MediaTypeRegistry.TEXT_PLAIN)
            .add("battery", "99", MediaTypeRegistry.APPLICATION_OCTET_STREAM));
        Path registry = registry("""
            devices:
              - id: "00:13:50:05:00:6a:1b:2c"
                tenant: T
                address: "coap://%s"
                resources:
                  - level
                  - path: /battery
                    qos: AT_MOST_ONCE
            """.formatted(sensor.address()));
        Subscriber s = track(Subscriber.subscribe(broker.port(), "sub-qos", "T/#"));
        start(registry, c -> c.defaultQos(Qos.EXACTLY_ONCE));

        await().atMost(WAIT).until(() -> s.received.size() >= 2);
        Mqtt5Publish level = s.withPayload("1");
        assertThat(level.getTopic().toString()).isEqualTo("T/read/00:13:50:05:00:6a:1b:2c/level");
        assertThat(level.getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
        assertThat(level.getContentType().map(Object::toString)).hasValue("text/plain;charset=utf-8");
        Mqtt5Publish battery = s.withPayload("99");
        assertThat(battery.getTopic().toString()).isEqualTo("T/read/00:13:50:05:00:6a:1b:2c/battery");
        assertThat(battery.getQos()).isEqualTo(MqttQos.AT_MOST_ONCE);
        assertThat(battery.getContentType().map(Object::toString)).hasValue("application/octet-stream");
    }

    @Test
    void aSensorThatMovesToANewPortIsObservedAgainOnceTheRegistrySaysSo() throws Exception {
        Sensor first = Sensor.start(0).add("temperature", "before", MediaTypeRegistry.TEXT_PLAIN);
        Path registry = registry(oneDevice(first.address()));
        Subscriber s = track(Subscriber.subscribe(broker.port(), "sub-move", "A/#"));
        start(registry, UnaryOperator.identity());
        await().atMost(WAIT).until(() -> s.payloads().contains("before"));

        first.close(); // the sensor restarts ...
        Sensor second = track(Sensor.start(0).add("temperature", "after", MediaTypeRegistry.TEXT_PLAIN)); // ... elsewhere
        assertThat(second.port()).isNotEqualTo(first.port());
        Files.writeString(registry, oneDevice(second.address()));

        await().atMost(WAIT).until(() -> s.payloads().contains("after"));
        second.set("temperature", "after-2");
        await().atMost(WAIT).until(() -> s.payloads().contains("after-2"));
        assertThat(counter("tern.coap.reregistrations", "reason", "address-change")).isEqualTo(1);
        assertThat(gauge("tern.coap.observations.active")).isEqualTo(1);
        assertThat(second.observers("temperature")).isEqualTo(1);
    }

    @Test
    void whenNotificationsStopPastTheirMaxAgeTheBridgeRegistersAgain() throws Exception {
        // RFC 7641 §3.3.1, the default (no silence timeout): Californium re-registers when the last
        // notification's Max-Age (here 1 s) plus observe.reregistrationBackoff has passed.
        Sensor first = Sensor.start(0).add("temperature", "m1", MediaTypeRegistry.TEXT_PLAIN, 1);
        int port = first.port();
        Path registry = registry(oneDevice(first.address()));
        Subscriber s = track(Subscriber.subscribe(broker.port(), "sub-maxage", "A/#"));
        start(registry, c -> c.reregistrationBackoff(Duration.ofMillis(200)));
        await().atMost(WAIT).until(() -> s.payloads().contains("m1"));

        first.close(); // reboots on the same address and forgets its observers
        Sensor second = track(Sensor.start(port).add("temperature", "m2", MediaTypeRegistry.TEXT_PLAIN, 1));
        await().atMost(WAIT).until(() -> second.observers("temperature") == 1);
        second.set("temperature", "m3");
        await().atMost(WAIT).until(() -> s.payloads().contains("m3"));
        assertThat(counter("tern.coap.reregistrations", "reason", "silence")).isZero();
        assertThat(gauge("tern.coap.observations.active")).isEqualTo(1);
    }

    @Test
    void anObservationThatFallsSilentIsRegisteredAgain() throws Exception {
        Sensor first = Sensor.start(0).add("temperature", "v1", MediaTypeRegistry.TEXT_PLAIN);
        int port = first.port();
        Path registry = registry(oneDevice(first.address()));
        Subscriber s = track(Subscriber.subscribe(broker.port(), "sub-silence", "A/#"));
        start(registry, c -> c.silenceTimeout(Duration.ofMillis(500)));
        await().atMost(WAIT).until(() -> s.payloads().contains("v1"));

        // The sensor reboots on the same address and has forgotten its observers: notifications stop.
        first.close();
        Sensor second = track(Sensor.start(port).add("temperature", "v2", MediaTypeRegistry.TEXT_PLAIN));
        await().atMost(WAIT).until(() -> second.observers("temperature") == 1);
        second.set("temperature", "v3");
        await().atMost(WAIT).until(() -> s.payloads().contains("v3"));
        assertThat(s.payloads()).contains("v2");
        assertThat(counter("tern.coap.reregistrations", "reason", "silence")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aFailedRegistrationIsRetriedWithBackoffUntilTheResourceAppears() throws Exception {
        Sensor sensor = track(Sensor.start(0)); // no resource yet: the registration gets 4.04
        Path registry = registry(oneDevice(sensor.address()));
        Subscriber s = track(Subscriber.subscribe(broker.port(), "sub-retry", "A/#"));
        start(registry, UnaryOperator.identity());
        await().atMost(WAIT).until(() -> counter("tern.coap.failures", "reason", "observe") >= 2);
        assertThat(gauge("tern.coap.observations.active")).isZero();

        sensor.add("temperature", "finally", MediaTypeRegistry.TEXT_PLAIN);
        await().atMost(WAIT).until(() -> s.payloads().contains("finally"));
        assertThat(gauge("tern.coap.observations.active")).isEqualTo(1);
        assertThat(counter("tern.coap.reregistrations", "reason", "retry")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aDeviceThatPushesWithConOrNonPostIsPublished() throws Exception {
        Path registry = registry("""
            devices:
              - id: meter-7
                tenant: utility
                resources:
                  - path: alarms/tamper
                    qos: EXACTLY_ONCE
            """);
        Subscriber s = track(Subscriber.subscribe(broker.port(), "sub-push", "utility/#"));
        start(registry, UnaryOperator.identity());

        CoapResponse con = push("meter-7/alarms/tamper", "opened", false);
        assertThat(con.getCode()).isEqualTo(ResponseCode.CHANGED);
        CoapResponse non = push("meter-7/reading", "{\"kWh\":12.5}", true);
        assertThat(non.getCode()).isEqualTo(ResponseCode.CHANGED);

        await().atMost(WAIT).until(() -> s.received.size() == 2);
        Mqtt5Publish tamper = s.withPayload("opened");
        assertThat(tamper.getTopic().toString()).isEqualTo("utility/read/meter-7/alarms/tamper");
        assertThat(tamper.getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
        assertThat(tamper.getContentType().map(Object::toString)).hasValue("text/plain;charset=utf-8");
        Mqtt5Publish reading = s.withPayload("{\"kWh\":12.5}");
        assertThat(reading.getTopic().toString()).isEqualTo("utility/read/meter-7/reading");
        assertThat(reading.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
        assertThat(counter("tern.coap.notifications.in", "source", "push")).isEqualTo(2);
    }

    @Test
    void anUnknownDeviceIsRefusedWith404AndCountedAndNothingIsPublished() throws Exception {
        Path registry = registry("""
            devices:
              - id: known
                tenant: A
            """);
        Subscriber all = track(Subscriber.subscribe(broker.port(), "sub-all", "#"));
        start(registry, UnaryOperator.identity());

        CoapResponse unknown = push("ghost/temperature", "1", false);
        assertThat(unknown.getCode()).isEqualTo(ResponseCode.NOT_FOUND);
        assertThat(counter("tern.coap.refused", "reason", "unknown-device")).isEqualTo(1);
        assertThat(push("known", "no resource", false).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(push("known/a+b", "wildcard", false).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        // an empty segment anywhere in the resource (Uri-Path options "known", "", "x" and "known", "x", "")
        assertThat(push(List.of("known", "", "x"), "empty first segment").getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(push(List.of("known", "x", ""), "empty last segment").getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(counter("tern.coap.refused", "reason", "bad-path")).isEqualTo(4);

        assertThat(push("known/marker", "marker", false).getCode()).isEqualTo(ResponseCode.CHANGED);
        await().atMost(WAIT).until(() -> !all.received.isEmpty());
        assertThat(all.topics()).containsExactly("A/read/known/marker");
    }

    @Test
    void malformedDatagramsAreCountedAndNothingBreaks() throws Exception {
        Sensor sensor = track(Sensor.start(0).add("temperature", "t0", MediaTypeRegistry.TEXT_PLAIN));
        Path registry = registry(oneDevice(sensor.address()));
        Subscriber s = track(Subscriber.subscribe(broker.port(), "sub-malformed", "A/#"));
        start(registry, UnaryOperator.identity());
        await().atMost(WAIT).until(() -> s.payloads().contains("t0"));

        byte[][] garbage = {
            {0x00},                                                  // shorter than a header
            {(byte) 0x80, 0x01, 0x00, 0x01},                         // CoAP version 2
            {0x4F, 0x01, 0x00, 0x02},                                // token length 15 (reserved)
            {0x40, 0x01, 0x00, 0x03, (byte) 0xF0},                   // option delta 15 that is not the payload marker
            {0x40, 0x02, 0x00, 0x04, (byte) 0xB5, 'a', 'b'},          // option length runs past the end
            {0x40, 0x02, 0x00, 0x05, (byte) 0xFF},                   // payload marker with no payload
            "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
        };
        try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            for (byte[] g : garbage) {
                udp.send(new DatagramPacket(g, g.length, new InetSocketAddress("127.0.0.1", bridge.coapPort())));
            }
        }
        await().atMost(WAIT).until(() -> counter("tern.coap.malformed") >= 5);

        // the observation, the push path and registry reloads still work
        sensor.set("temperature", "t1");
        await().atMost(WAIT).until(() -> s.payloads().contains("t1"));
        assertThat(push("dev-a/after-garbage", "ok", false).getCode()).isEqualTo(ResponseCode.CHANGED);
        await().atMost(WAIT).until(() -> s.payloads().contains("ok"));
        aReloadThatAddsAndRemovesAResourceIsApplied(sensor, registry, s);
    }

    /**
     * The registry now lists humidity instead of temperature: humidity is observed, and temperature
     * forgotten (its next notification is answered with a Reset, which ends the sensor's relation,
     * RFC 7641 §3.6) and not published.
     */
    private void aReloadThatAddsAndRemovesAResourceIsApplied(Sensor sensor, Path registry, Subscriber s) throws Exception {
        sensor.add("humidity", "h0", MediaTypeRegistry.TEXT_PLAIN);
        Files.writeString(registry, """
            devices:
              - id: dev-a
                tenant: A
                address: %s
                resources: [humidity]
            """.formatted(sensor.address()));
        await().atMost(WAIT).until(() -> s.payloads().contains("h0"));
        assertThat(sensor.observers("humidity")).isEqualTo(1);
        assertThat(gauge("tern.coap.observations.configured")).isEqualTo(1);

        sensor.set("temperature", "t-forgotten");
        await().atMost(WAIT).until(() -> sensor.observers("temperature") == 0);
        // published in order on one connection: once h1 is there, t-forgotten would be too
        sensor.set("humidity", "h1");
        await().atMost(WAIT).until(() -> s.payloads().contains("h1"));
        assertThat(s.payloads()).doesNotContain("t-forgotten");
        assertThat(s.withPayload("h1").getTopic().toString()).isEqualTo("A/read/dev-a/humidity");
        assertThat(gauge("tern.coap.observations.active")).isEqualTo(1);
    }

    @Test
    void anInvalidRegistryEditKeepsThePreviousOneAndAFixedOneIsApplied() throws Exception {
        Path registry = registry("""
            devices:
              - id: d1
                tenant: A
            """);
        Subscriber s = track(Subscriber.subscribe(broker.port(), "sub-reload", "+/read/#"));
        start(registry, UnaryOperator.identity());

        Files.writeString(registry, "devices:\n  - id: d1\n    tenant: A/B\n");
        await().atMost(WAIT).until(() -> counter("tern.coap.failures", "reason", "registry") == 1);
        assertThat(push("d1/x", "still A", false).getCode()).isEqualTo(ResponseCode.CHANGED);

        // the device changes hands: its next message goes to the new tenant's topic
        Files.writeString(registry, "devices:\n  - id: d1\n    tenant: C\n");
        await().atMost(WAIT).until(() -> bridge.registry().find("d1").map(Device::tenant).orElse("").equals("C"));
        assertThat(push("d1/x", "now C", false).getCode()).isEqualTo(ResponseCode.CHANGED);
        await().atMost(WAIT).until(() -> s.received.size() == 2);
        assertThat(s.topics()).containsExactly("A/read/d1/x", "C/read/d1/x");
    }

    /**
     * A close whose first step fails (the bridge thread is stuck reading a registry file that never
     * delivers, here a named pipe without writer, as a hung network mount would) still releases the
     * CoAP port and disconnects from the broker, then reports the failure.
     */
    @Test
    void closeReleasesThePortAndDisconnectsEvenWhenTheBridgeThreadIsStuck() throws Exception {
        Path registry = registry("devices: []\n");
        String clientId = "bridge-stuck-" + UUID.randomUUID();
        start(registry, UnaryOperator.identity(), clientId, b -> b.bridgeThreadTimeout(Duration.ofMillis(500)));
        await().atMost(WAIT).until(() -> online(clientId));
        int port = bridge.coapPort();

        Files.delete(registry);
        Process mkfifo = new ProcessBuilder("mkfifo", registry.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        try {
            await().atMost(WAIT).until(CoapBridgeIT::bridgeThreadIsReadingTheRegistry);
            CoapBridge stuck = bridge;
            bridge = null;
            org.assertj.core.api.Assertions.assertThatThrownBy(stuck::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the bridge thread did not answer within 500 ms");

            try (DatagramSocket again = new DatagramSocket(port, InetAddress.getByName("127.0.0.1"))) {
                assertThat(again.getLocalPort()).isEqualTo(port);
            }
            await().atMost(WAIT).until(() -> !online(clientId));
        } finally {
            // a writer that opens and closes the pipe ends the stuck read (with an empty file)
            new java.io.FileOutputStream(registry.toFile()).close();
        }
    }

    private boolean online(String clientId) {
        var session = broker.broker().sessions().get(clientId);
        return session != null && session.isOnline();
    }

    private static boolean bridgeThreadIsReadingTheRegistry() {
        return Thread.getAllStackTraces().entrySet().stream()
            .filter(e -> e.getKey().getName().equals("tern-coap-bridge"))
            .anyMatch(e -> java.util.Arrays.stream(e.getValue())
                .anyMatch(f -> f.getClassName().equals(RegistryWatcher.class.getName()) && f.getMethodName().equals("check")));
    }

    @Test
    void aCoapPortInUseStopsTheStartWithAMessageNamingIt() throws Exception {
        Path registry = registry("devices: []\n");
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            CoapBridgeConfig config = CoapBridgeConfig.builder(registry).coap("127.0.0.1", taken.getLocalPort())
                .mqtt(new MqttTarget("127.0.0.1", broker.port(), "bridge-port-taken", null, null, 0, 30)).build();
            CoapBridge b = CoapBridge.builder(config).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(b::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot bind CoAP (UDP) on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void aMissingRegistryStopsTheStart() {
        CoapBridgeConfig config = CoapBridgeConfig.builder(dir.resolve("nope.yaml")).coap("127.0.0.1", 0).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CoapBridge.builder(config).build().start())
            .isInstanceOf(CoapBridgeConfigException.class)
            .hasMessageContaining("nope.yaml does not exist");
    }

    // ---- helpers

    private static String oneDevice(String address) {
        return """
            devices:
              - id: dev-a
                tenant: A
                address: %s
                resources: [temperature]
            """.formatted(address);
    }

    private Path registry(String yaml) throws Exception {
        Path p = dir.resolve("devices.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private void start(Path registry, UnaryOperator<CoapBridgeConfig.Builder> tweak) throws Exception {
        start(registry, tweak, "bridge-" + UUID.randomUUID(), UnaryOperator.identity());
    }

    private void start(Path registry, UnaryOperator<CoapBridgeConfig.Builder> tweak, String clientId,
                       UnaryOperator<CoapBridge.Builder> bridgeTweak) throws Exception {
        MqttTarget target = new MqttTarget("127.0.0.1", broker.port(), clientId, null, null, 60, 30);
        CoapBridgeConfig config = tweak.apply(CoapBridgeConfig.builder(registry)
            .coap("127.0.0.1", 0)
            .ackTimeout(Duration.ofMillis(200))
            .maxRetransmit(2)
            .registryReloadInterval(Duration.ofMillis(100))
            .retryDelays(Duration.ofMillis(100), Duration.ofMillis(400))
            .mqtt(target)).build();
        bridge = bridgeTweak.apply(CoapBridge.builder(config).meterRegistry(meters)).build().start();
    }

    private CoapResponse push(String path, String payload, boolean nonConfirmable) throws Exception {
        return DevicePush.post(bridge.coapPort(), path, payload, nonConfirmable, WAIT);
    }

    /** POSTs {@code payload} (CON, text/plain) to the bridge with exactly these Uri-Path options. */
    private CoapResponse push(List<String> uriPath, String payload) throws Exception {
        CoapEndpoint endpoint = CaliforniumSetup.udpEndpoint(CaliforniumSetup.configuration(), new InetSocketAddress("127.0.0.1", 0));
        CoapClient client = new CoapClient();
        try {
            client.setEndpoint(endpoint);
            client.setTimeout(WAIT.toMillis());
            Request request = Request.newPost();
            request.setURI("coap://127.0.0.1:" + bridge.coapPort());
            request.getOptions().clearUriPath();
            uriPath.forEach(request.getOptions()::addUriPath);
            request.setPayload(payload);
            request.getOptions().setContentFormat(MediaTypeRegistry.TEXT_PLAIN);
            CoapResponse r = client.advanced(request);
            assertThat(r).as("a response to POST " + uriPath).isNotNull();
            return r;
        } finally {
            client.shutdown();
            endpoint.destroy();
        }
    }

    private double counter(String name, String tag, String value) {
        var c = meters.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    private double counter(String name) {
        var c = meters.find(name).counter();
        return c == null ? 0 : c.count();
    }

    private double gauge(String name) {
        return meters.get(name).gauge().value();
    }

    private <T extends AutoCloseable> T track(T t) {
        toClose.add(t);
        return t;
    }
}
