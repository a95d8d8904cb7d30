package dev.tern.coap;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ForwarderTest {
    /** Records PUBLISHes and completes them when the test says the broker acknowledged. */
    private static final class HeldPublisher implements MqttPublisher {
        final List<OutgoingMessage> sent = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> acks = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Void> publish(OutgoingMessage message) {
            sent.add(message);
            CompletableFuture<Void> f = new CompletableFuture<>();
            acks.add(f);
            return f;
        }

        @Override
        public void close() {
        }
    }

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicInteger pending = new AtomicInteger();
    private final HeldPublisher publisher = new HeldPublisher();
    private final Device device = new Device("d1", "A", null, List.of(new DeviceResource("alarm", Qos.EXACTLY_ONCE)));

    private Forwarder forwarder(int maxPending) {
        CoapBridgeConfig config = CoapBridgeConfig.builder(Path.of("devices.yaml")).maxPendingPublishes(maxPending).build();
        return new Forwarder(config, publisher, new BridgeMetrics(meters, pending),
            pending, new RateLimitedLog(LoggerFactory.getLogger(ForwarderTest.class), Clock.systemUTC(), 10_000));
    }

    @Test
    void buildsThePublishFromTheNotification() {
        Forwarder f = forwarder(10);
        f.forward(device, "alarm", "on".getBytes(StandardCharsets.UTF_8), 0, true);
        f.forward(device, "temp", new byte[]{1, 2}, -1, false);
        OutgoingMessage alarm = publisher.sent.get(0);
        assertThat(alarm.topic()).isEqualTo("A/read/d1/alarm");
        assertThat(alarm.qos()).isEqualTo(Qos.EXACTLY_ONCE);
        assertThat(alarm.contentType()).isEqualTo("text/plain;charset=utf-8");
        assertThat(alarm.userProperties()).containsEntry("coap-content-format", "0");
        OutgoingMessage temp = publisher.sent.get(1);
        assertThat(temp.qos()).isEqualTo(Qos.AT_LEAST_ONCE);
        assertThat(temp.contentType()).isNull();
        assertThat(temp.userProperties()).isEmpty();
        assertThat(temp.payload()).containsExactly(1, 2);
    }

    @Test
    void beyondMaxPendingMessagesAreDroppedAndCountedUntilTheBrokerCatchesUp() {
        Forwarder f = forwarder(2);
        CompletableFuture<Void> first = f.forward(device, "x", new byte[0], -1, false);
        f.forward(device, "x", new byte[0], -1, false);
        CompletableFuture<Void> third = f.forward(device, "x", new byte[0], -1, false);
        assertThat(third).isCompletedExceptionally();
        assertThat(publisher.sent).hasSize(2);
        assertThat(meters.get("tern.coap.failures").tag("reason", "backlog-full").counter().count()).isEqualTo(1);

        publisher.acks.get(0).complete(null);
        assertThat(first).isCompleted();
        assertThat(pending.get()).isEqualTo(1);
        assertThat(f.forward(device, "x", new byte[0], -1, false)).isNotCompletedExceptionally();
        assertThat(publisher.sent).hasSize(3);
        assertThat(meters.get("tern.coap.publishes.out").tag("qos", "1").counter().count()).isEqualTo(1);
    }

    @Test
    void aRefusedPublishIsCountedAsAFailure() {
        Forwarder f = forwarder(10);
        CompletableFuture<Void> r = f.forward(device, "x", new byte[0], -1, false);
        publisher.acks.get(0).completeExceptionally(new IllegalStateException("PUBACK 0x87"));
        assertThat(r).isCompletedExceptionally();
        assertThat(meters.get("tern.coap.failures").tag("reason", "publish").counter().count()).isEqualTo(1);
        assertThat(pending.get()).isZero();
    }

    @Test
    void aCallerThatGivesUpEarlyDoesNotSkipTheBookkeeping() {
        // what orTimeout does to the future of a push whose broker is slow: the PUBLISH still
        // completes later and must still be counted and leave the pending count
        Forwarder f = forwarder(10);
        CompletableFuture<Void> r = f.forward(device, "x", new byte[0], -1, true);
        r.completeExceptionally(new java.util.concurrent.TimeoutException());
        publisher.acks.get(0).complete(null);
        assertThat(pending.get()).isZero();
        assertThat(meters.get("tern.coap.publishes.out").tag("qos", "1").counter().count()).isEqualTo(1);
    }
}
