package dev.tern.cli;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing acknowledged is lost: Tern runs as a separate process, is killed with SIGKILL in the
 * middle of QoS 1 / QoS 2 traffic into offline persistent sessions, restarts on the same data
 * directory, and every acknowledged message reaches every subscribed session, in order, QoS 2
 * never twice. Run for both durability levels.
 */
class DurabilityIT {
    @TempDir
    Path dir;

    private Path config(String durability, String extraMqtt) throws Exception {
        Path file = dir.resolve("tern-" + durability + ".yaml");
        Files.writeString(file, "storage:\n  durability: " + durability + "\n"
            + (extraMqtt.isEmpty() ? "" : "mqtt:\n" + extraMqtt));
        return file;
    }

    private static Mqtt5BlockingClient client(String id, int port) {
        return Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(port).buildBlocking();
    }

    private static void persistentSubscribe(String id, int port, String filter, MqttQos qos) {
        Mqtt5BlockingClient c = client(id, port);
        c.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        c.subscribeWith().topicFilter(filter).qos(qos).send();
        c.disconnect();
    }

    @ParameterizedTest
    @ValueSource(strings = {"process", "fsync"})
    void acknowledgedMessagesSurviveKill9(String durability) throws Exception {
        Path data = dir.resolve("data-" + durability);
        Path cfg = config(durability, "  maxQueuedMessages: 100000\n");
        Set<Integer> ackedQos1 = ConcurrentHashMap.newKeySet();
        Set<Integer> ackedQos2 = ConcurrentHashMap.newKeySet();
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            persistentSubscribe("sub-q1", port, "dur/#", MqttQos.AT_LEAST_ONCE);
            persistentSubscribe("sub-q2", port, "dur/#", MqttQos.EXACTLY_ONCE);
            Mqtt5AsyncClient pub = Mqtt5Client.builder().identifier("pub").serverHost("127.0.0.1").serverPort(port).buildAsync();
            pub.connect().get(10, TimeUnit.SECONDS);
            AtomicInteger acked = new AtomicInteger();
            for (int i = 0; i < 3000; i++) {
                int n = i;
                pub.publishWith().topic("dur/q1").qos(MqttQos.AT_LEAST_ONCE).payload(("" + n).getBytes()).send()
                    .whenComplete((r, e) -> {
                        if (e == null && !r.getError().isPresent()) {
                            ackedQos1.add(n);
                            acked.incrementAndGet();
                        }
                    });
                pub.publishWith().topic("dur/q2").qos(MqttQos.EXACTLY_ONCE).payload(("" + n).getBytes()).send()
                    .whenComplete((r, e) -> {
                        if (e == null && !r.getError().isPresent()) {
                            ackedQos2.add(n);
                            acked.incrementAndGet();
                        }
                    });
                if (i == 500) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> acked.get() >= 200);
                    tern.kill9(); // mid-stream: some publishes acknowledged, others in flight
                    break;
                }
            }
        }
        assertThat(ackedQos1).as("some QoS 1 publishes were acknowledged before the kill").isNotEmpty();
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            List<Integer> got1 = receiveAll("sub-q1", port, "dur/q1");
            List<Integer> got2 = receiveAll("sub-q2", port, "dur/q2");
            assertThat(got1).as("every acknowledged QoS 1 message").containsAll(ackedQos1);
            assertThat(firstOccurrences(got1)).as("in publish order").isSorted();
            assertThat(got2).as("every acknowledged QoS 2 message").containsAll(ackedQos2);
            assertThat(got2).as("QoS 2 never twice").doesNotHaveDuplicates();
            assertThat(got2).as("in publish order").isSorted();
        }
    }

    /**
     * Large records: RocksDB writes a 256 KiB batch with several write() calls and a SIGKILL can stop
     * one part way, so the log can end in a torn record. The restart must drop that record (it was
     * never acknowledged) instead of refusing to start, and deliver every acknowledged message.
     */
    @ParameterizedTest
    @ValueSource(strings = {"process", "fsync"})
    void largeMessagesSurviveKill9(String durability) throws Exception {
        Path data = dir.resolve("data-large-" + durability);
        Path cfg = config(durability, "  maxQueuedMessages: 1000\n");
        Set<Integer> acked = ConcurrentHashMap.newKeySet();
        byte[] filler = new byte[256 * 1024];
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            persistentSubscribe("big", port, "big/#", MqttQos.AT_LEAST_ONCE);
            Mqtt5AsyncClient pub = Mqtt5Client.builder().identifier("bigpub").serverHost("127.0.0.1").serverPort(port)
                .buildAsync();
            pub.connect().get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 200; i++) {
                int n = i;
                byte[] payload = filler.clone();
                byte[] number = ("" + n + ";").getBytes(StandardCharsets.UTF_8);
                System.arraycopy(number, 0, payload, 0, number.length);
                pub.publishWith().topic("big/x").qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
                    .whenComplete((r, e) -> {
                        if (e == null && !r.getError().isPresent()) {
                            acked.add(n);
                        }
                    });
                if (i == 60) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= 20);
                    tern.kill9(); // mid-stream, while large batches are being written
                    break;
                }
            }
        }
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            Mqtt5BlockingClient c = client("big", tern.port());
            List<Integer> got = new ArrayList<>();
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
                assertThat(c.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent()).isTrue();
                Optional<Mqtt5Publish> p;
                while ((p = publishes.receive(3, TimeUnit.SECONDS)).isPresent()) {
                    byte[] b = p.get().getPayloadAsBytes();
                    assertThat(b).hasSize(filler.length);
                    String head = new String(b, 0, 12, StandardCharsets.UTF_8);
                    got.add(Integer.parseInt(head.substring(0, head.indexOf(';'))));
                }
            }
            c.disconnect();
            assertThat(got).as("every acknowledged large message").containsAll(acked);
            assertThat(firstOccurrences(got)).as("in publish order").isSorted();
        }
    }

    /**
     * What is in flight survives kill -9 in both directions: an online subscriber's unacknowledged
     * QoS 1 message and its PUBREC'd QoS 2 message (PUBREL owed), and a persistent publisher's QoS 2
     * message that got PUBREC but not yet PUBREL. After the restart each exchange goes on where it
     * stopped, and nothing is delivered twice.
     */
    @ParameterizedTest
    @ValueSource(strings = {"process", "fsync"})
    void inFlightStateSurvivesKill9(String durability) throws Exception {
        Path data = dir.resolve("data-inflight-" + durability);
        Path cfg = config(durability, "");
        byte[] persistent = Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 3600).build();
        int q1Id;
        int q2Id;
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            RawClient sub = RawClient.connect(port);
            sub.connect(Packets.connect(Packets.V5, "holder").props(persistent));
            sub.send(Packets.subscribe(Packets.V5, 1, "fl/#", 2));
            sub.expect(Received.SUBACK);
            RawClient pub = RawClient.connect(port);
            pub.connect(Packets.connect(Packets.V5, "halfway").props(persistent));
            pub.send(Packets.publish(Packets.V5, "fl/one", 1, 1, "q1"));
            pub.expect(Received.PUBACK);
            pub.send(Packets.publish(Packets.V5, "fl/two", 2, 2, "q2"));
            pub.expect(Received.PUBREC); // PUBREL not sent: the publisher is mid-handshake
            Received.Publish one = sub.expect(Received.PUBLISH).publish();
            Received.Publish two = sub.expect(Received.PUBLISH).publish();
            assertThat(List.of(one.payloadText(), two.payloadText())).containsExactly("q1", "q2");
            q1Id = one.packetId();
            q2Id = two.packetId();
            sub.send(Packets.pubrec(q2Id)); // QoS 1 left unacknowledged
            sub.expect(Received.PUBREL);    // so "PUBREC received" is stored
            tern.kill9();
        }
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            RawClient sub = RawClient.connect(port);
            assertThat(sub.connect(Packets.connect(Packets.V5, "holder").cleanStart(false).props(persistent))
                .sessionPresent()).isTrue();
            List<Received> resumed = List.of(sub.receive(), sub.receive());
            Received.Publish resent = resumed.stream().filter(r -> r.type() == Received.PUBLISH).findFirst()
                .orElseThrow().publish();
            assertThat(resent.payloadText()).isEqualTo("q1");
            assertThat(resent.packetId()).isEqualTo(q1Id);
            assertThat(resent.dup()).isTrue();
            Received.Ack rel = resumed.stream().filter(r -> r.type() == Received.PUBREL).findFirst().orElseThrow().ack();
            assertThat(rel.packetId()).as("PUBREL again, not the PUBLISH [MQTT-4.3.3]").isEqualTo(q2Id);
            sub.send(Packets.puback(q1Id));
            sub.send(Packets.pubcomp(q2Id));

            RawClient pub = RawClient.connect(port);
            assertThat(pub.connect(Packets.connect(Packets.V5, "halfway").cleanStart(false).props(persistent))
                .sessionPresent()).isTrue();
            pub.send(Packets.publish(Packets.V5, "fl/two", 2, false, true, 2, Props.none(), "q2".getBytes()));
            assertThat(pub.expect(Received.PUBREC).ack().packetId()).as("a resend of a received id").isEqualTo(2);
            pub.send(Packets.pubrel(2));
            assertThat(pub.expect(Received.PUBCOMP).ack().reasonCode()).isZero();
            sub.send(Packets.pingreq());
            assertThat(sub.receive().type()).as("q2 is not delivered a second time").isEqualTo(Received.PINGRESP);
        }
    }

    /** Reconnects a persistent session and collects the payload numbers on one topic until quiet. */
    private static List<Integer> receiveAll(String id, int port, String topic) throws Exception {
        Mqtt5BlockingClient c = client(id, port);
        List<Integer> got = new ArrayList<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            boolean present = c.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent();
            assertThat(present).as("session %s survived", id).isTrue();
            Optional<Mqtt5Publish> p;
            while ((p = publishes.receive(3, TimeUnit.SECONDS)).isPresent()) {
                if (p.get().getTopic().toString().equals(topic)) {
                    got.add(Integer.parseInt(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8)));
                }
            }
        }
        c.disconnect();
        return got;
    }

    private static List<Integer> firstOccurrences(List<Integer> list) {
        return new ArrayList<>(new LinkedHashSet<>(list));
    }

    @ParameterizedTest
    @ValueSource(strings = {"process", "fsync"})
    void retainedMessagesAndSubscriptionsSurvive(String durability) throws Exception {
        Path data = dir.resolve("data");
        Path cfg = config(durability, "");
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            persistentSubscribe("keeper", port, "state/#", MqttQos.AT_LEAST_ONCE);
            Mqtt5BlockingClient pub = client("pub", port);
            pub.connect();
            pub.publishWith().topic("state/lamp").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("on".getBytes()).send();
            pub.disconnect();
            tern.kill9();
        }
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            Mqtt5BlockingClient fresh = client("fresh", port);
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = fresh.publishes(MqttGlobalPublishFilter.ALL)) {
                fresh.connect();
                fresh.subscribeWith().topicFilter("state/#").send();
                Mqtt5Publish retained = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
                assertThat(retained.isRetain()).isTrue();
                assertThat(new String(retained.getPayloadAsBytes())).isEqualTo("on");
            }
            fresh.disconnect();
            Mqtt5BlockingClient pub = client("pub", port);
            pub.connect();
            pub.publishWith().topic("state/door").qos(MqttQos.AT_LEAST_ONCE).payload("open".getBytes()).send();
            pub.disconnect();
            // the subscription of "keeper" was stored, so the message published after the restart reaches it
            List<String> topics = new ArrayList<>();
            Mqtt5BlockingClient keeper = client("keeper", port);
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = keeper.publishes(MqttGlobalPublishFilter.ALL)) {
                keeper.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
                Optional<Mqtt5Publish> p;
                while ((p = publishes.receive(2, TimeUnit.SECONDS)).isPresent()) {
                    topics.add(p.get().getTopic().toString());
                }
            }
            keeper.disconnect();
            assertThat(topics).containsExactly("state/lamp", "state/door");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"process"})
    void sessionsExpireAcrossARestart(String durability) throws Exception {
        Path data = dir.resolve("data");
        Path cfg = config(durability, "");
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            Mqtt5BlockingClient longLived = client("long", port);
            longLived.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
            longLived.disconnect();
            Mqtt5BlockingClient shortLived = client("short", port);
            shortLived.connectWith().cleanStart(true).sessionExpiryInterval(2).send();
            shortLived.disconnect();
            int code = tern.stop();
            assertThat(tern.output()).as("SIGTERM shuts down gracefully, exit " + code).contains("tern: stopped");
        }
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            Mqtt5BlockingClient longLived = client("long", port);
            assertThat(longLived.connectWith().cleanStart(false).sessionExpiryInterval(600).send().isSessionPresent())
                .as("a session within its expiry is still there after a restart").isTrue();
            longLived.disconnect();
            // the 2 s session: its expiry counts from its disconnect, across the restart
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> true);
            Mqtt5BlockingClient shortLived = client("short", port);
            assertThat(shortLived.connectWith().cleanStart(false).sessionExpiryInterval(0).send().isSessionPresent())
                .as("an expired session is gone").isFalse();
            shortLived.disconnect();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"process"})
    void aDelayedWillIsPublishedAfterARestart(String durability) throws Exception {
        Path data = dir.resolve("data");
        Path cfg = config(durability, "");
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            persistentSubscribe("watcher", port, "wills/#", MqttQos.AT_LEAST_ONCE);
            RawClient device = RawClient.connect(port);
            device.connect(Packets.connect(Packets.V5, "device")
                .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).build())
                .will("wills/device", "gone".getBytes(), 1, false, Props.of().u32(Props.WILL_DELAY_INTERVAL, 2).build()));
            device.drop(); // abnormal: the will is due 2 s later
            tern.kill9();
        }
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            Mqtt5BlockingClient watcher = client("watcher", port);
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
                watcher.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
                Mqtt5Publish will = publishes.receive(15, TimeUnit.SECONDS).orElseThrow(
                    () -> new AssertionError("the will was not published after the restart"));
                assertThat(will.getTopic().toString()).isEqualTo("wills/device");
                assertThat(new String(will.getPayloadAsBytes())).isEqualTo("gone");
            }
            watcher.disconnect();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"process"})
    void retainedMessagesKeepTheirExpiryAcrossARestart(String durability) throws Exception {
        Path data = dir.resolve("data");
        Path cfg = config(durability, "");
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            Mqtt5BlockingClient pub = client("pub", tern.port());
            pub.connect();
            pub.publishWith().topic("exp/short").qos(MqttQos.AT_LEAST_ONCE).retain(true).messageExpiryInterval(1)
                .payload("short".getBytes()).send();
            pub.publishWith().topic("exp/long").qos(MqttQos.AT_LEAST_ONCE).retain(true).messageExpiryInterval(600)
                .payload("long".getBytes()).send();
            pub.disconnect();
            tern.kill9();
        }
        // the short one's second passes while the broker is down and starting again
        await().pollDelay(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(5)).until(() -> true);
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            Mqtt5BlockingClient sub = client("sub", tern.port());
            List<Mqtt5Publish> got = new ArrayList<>();
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
                sub.connect();
                sub.subscribeWith().topicFilter("exp/#").send();
                Optional<Mqtt5Publish> p;
                while ((p = publishes.receive(2, TimeUnit.SECONDS)).isPresent()) {
                    got.add(p.get());
                }
            }
            sub.disconnect();
            assertThat(got).extracting(m -> m.getTopic().toString()).as("the expired one is gone").containsExactly("exp/long");
            assertThat(got.get(0).getMessageExpiryInterval().orElseThrow()).as("expiry counts down across the restart")
                .isLessThan(600);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"process"})
    void queueLimitsHoldAcrossARestart(String durability) throws Exception {
        Path data = dir.resolve("data");
        Path cfg = config(durability, "  maxQueuedMessages: 10\n");
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            persistentSubscribe("slow", port, "q/#", MqttQos.AT_LEAST_ONCE);
            Mqtt5BlockingClient pub = client("pub", port);
            pub.connect();
            for (int i = 0; i < 20; i++) {
                pub.publishWith().topic("q/x").qos(MqttQos.AT_LEAST_ONCE).payload(("" + i).getBytes()).send();
            }
            pub.disconnect();
            tern.kill9();
        }
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            List<Integer> got = receiveAll("slow", tern.port(), "q/x");
            assertThat(got).as("discard keeps the first 10").containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
    }

    /**
     * The limit is applied again when queues are read back: whatever a crash left in the store
     * (or a lowered limit) never puts more than {@code maxQueuedMessages} in a queue.
     */
    @ParameterizedTest
    @ValueSource(strings = {"discard", "discard-oldest"})
    void aLowerLimitAppliesItsStrategyToStoredQueues(String strategy) throws Exception {
        Path data = dir.resolve("data");
        Path before = config("process", "  maxQueuedMessages: 100\n");
        try (TernProcess tern = TernProcess.broker(data, before)) {
            int port = tern.port();
            persistentSubscribe("slow", port, "q/#", MqttQos.AT_LEAST_ONCE);
            persistentSubscribe("member", port, "$share/g/s/#", MqttQos.AT_LEAST_ONCE);
            Mqtt5BlockingClient pub = client("pub", port);
            pub.connect();
            for (int i = 0; i < 20; i++) {
                pub.publishWith().topic("q/x").qos(MqttQos.AT_LEAST_ONCE).payload(("" + i).getBytes()).send();
                pub.publishWith().topic("s/x").qos(MqttQos.AT_LEAST_ONCE).payload(("" + i).getBytes()).send();
            }
            pub.disconnect();
            tern.kill9();
        }
        Path after = dir.resolve("after.yaml");
        Files.writeString(after, "storage:\n  durability: process\nmqtt:\n  maxQueuedMessages: 10\n"
            + "  queueOverflowStrategy: " + strategy + "\n");
        List<Integer> expected = strategy.equals("discard")
            ? List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9) : List.of(10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
        try (TernProcess tern = TernProcess.broker(data, after)) {
            assertThat(receiveAll("slow", tern.port(), "q/x")).as("the session's queue").isEqualTo(expected);
            assertThat(receiveAll("member", tern.port(), "s/x")).as("the shared group's queue").isEqualTo(expected);
        }
    }
}
