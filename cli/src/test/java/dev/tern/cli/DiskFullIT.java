package dev.tern.cli;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A full disk: publishes that need storage are refused with 0x97, the broker stays up, and it
 * accepts them again when space returns; what removes state meanwhile is still written. Runs on a small tmpfs, which needs root (CI runs as root;
 * elsewhere the test is skipped and says why).
 */
class DiskFullIT {
    @TempDir
    Path dir;
    private Path mount;
    private boolean mounted;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        mount = dir.resolve("small");
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mount.toString())
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        mounted = p.waitFor() == 0;
        assumeThat(mounted).as("mounting a tmpfs needs root: " + out).isTrue();
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
        }
    }

    private static final byte[] PERSISTENT = Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 3600).build();

    private static RawClient raw(int port, String id, boolean cleanStart) {
        RawClient c = RawClient.connect(port);
        c.connect(Packets.connect(Packets.V5, id).cleanStart(cleanStart).props(PERSISTENT));
        return c;
    }

    /** What the broker sends before it answers a PINGREQ (it answers at once). */
    private static List<Received> untilPingResp(RawClient c) {
        c.send(Packets.pingreq());
        List<Received> got = new ArrayList<>();
        Received r;
        while ((r = c.receive()).type() != Received.PINGRESP) {
            got.add(r);
        }
        return got;
    }

    /**
     * Also: what removes state while the disk is full (a QoS 2 exchange completed both ways, an
     * unsubscribe) is written, so after a restart nothing comes back: no QoS 2 duplicate, no stale
     * subscription, no packet id still taken.
     */
    @Test
    void publishesAreRefusedWhileTheDiskIsFullAndAcceptedWhenSpaceReturns() throws Exception {
        Path cfg = dir.resolve("tern.yaml");
        Files.writeString(cfg, "storage:\n  minFreeDiskMb: 16\n");
        Path data = mount.resolve("data");
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            Mqtt5BlockingClient sub = Mqtt5Client.builder().identifier("offline").serverHost("127.0.0.1").serverPort(port).buildBlocking();
            sub.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
            sub.subscribeWith().topicFilter("d/#").qos(MqttQos.AT_LEAST_ONCE).send();
            sub.disconnect();
            RawClient leaver = raw(port, "leaver", true);
            leaver.send(Packets.subscribe(Packets.V5, 1, "l/#", 1));
            leaver.expect(Received.SUBACK);
            RawClient q2sub = raw(port, "q2sub", true);
            q2sub.send(Packets.subscribe(Packets.V5, 1, "q2/#", 2));
            q2sub.expect(Received.SUBACK);
            RawClient q2pub = raw(port, "q2pub", true);
            q2pub.send(Packets.publish(Packets.V5, "q2/x", 2, 9, "exactly-once"));
            assertThat(q2pub.expect(Received.PUBREC).ack().reasonCode()).isZero();
            Received.Publish toQ2sub = q2sub.expect(Received.PUBLISH).publish();
            Mqtt5BlockingClient pub = Mqtt5Client.builder().identifier("pub").serverHost("127.0.0.1").serverPort(port).buildBlocking();
            pub.connect();
            pub.publishWith().topic("d/x").qos(MqttQos.AT_LEAST_ONCE).payload("before".getBytes()).send();

            Path filler = mount.resolve("filler");
            long fill = Files.getFileStore(mount).getUsableSpace() - (8L << 20); // leave 8 MiB: below the 16 MiB guard
            try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
                byte[] block = new byte[1 << 20];
                for (long written = 0; written < fill; written += block.length) {
                    f.write(block, 0, (int) Math.min(block.length, fill - written));
                }
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try {
                    pub.publishWith().topic("d/x").qos(MqttQos.AT_LEAST_ONCE).payload("during".getBytes()).send();
                    throw new AssertionError("the publish was accepted on a full disk");
                } catch (Mqtt5PubAckException e) {
                    assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
                }
            });
            assertThat(pub.getState().isConnected()).as("the client stays connected").isTrue();
            // removals while the disk is full: written, they free space
            q2pub.send(Packets.pubrel(9));
            assertThat(q2pub.expect(Received.PUBCOMP).ack().reasonCode()).isZero();
            q2sub.send(Packets.pubrec(toQ2sub.packetId()));
            q2sub.expect(Received.PUBREL);
            q2sub.send(Packets.pubcomp(toQ2sub.packetId()));
            leaver.send(Packets.unsubscribe(Packets.V5, 2, "l/#"));
            assertThat(leaver.expect(Received.UNSUBACK).suback().reasonCodes()).containsExactly(0);
            assertThat(untilPingResp(q2sub)).isEmpty();

            Files.delete(filler);
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
                pub.publishWith().topic("d/x").qos(MqttQos.AT_LEAST_ONCE).payload("after".getBytes()).send());
            pub.disconnect();
            tern.kill9();
        }
        try (TernProcess tern = TernProcess.broker(data, cfg)) {
            int port = tern.port();
            RawClient q2sub = raw(port, "q2sub", false);
            assertThat(untilPingResp(q2sub)).as("completed while the disk was full: not delivered again").isEmpty();
            RawClient q2pub = raw(port, "q2pub", false);
            q2pub.send(Packets.publish(Packets.V5, "q2/x", 2, 9, "new")); // id 9 was released: a new message
            assertThat(q2pub.expect(Received.PUBREC).ack().reasonCode()).isZero();
            q2pub.send(Packets.pubrel(9));
            q2pub.expect(Received.PUBCOMP);
            assertThat(q2sub.expect(Received.PUBLISH).publish().payloadText()).isEqualTo("new");
            try (RawClient p = RawClient.connect(port)) {
                p.connectV5("late-pub");
                p.send(Packets.publish(Packets.V5, "l/x", 1, 1, "to-nobody"));
                p.expect(Received.PUBACK);
            }
            RawClient leaver = raw(port, "leaver", false);
            assertThat(untilPingResp(leaver)).as("unsubscribed while the disk was full: no stale subscription").isEmpty();
        }
    }
}
