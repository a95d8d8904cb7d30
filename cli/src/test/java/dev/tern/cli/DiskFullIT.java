package dev.tern.cli;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A full disk: publishes that need storage are refused with 0x97, the broker stays up, and it
 * accepts them again when space returns. Runs on a small tmpfs, which needs root (CI runs as root;
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

    @Test
    void publishesAreRefusedWhileTheDiskIsFullAndAcceptedWhenSpaceReturns() throws Exception {
        Path cfg = dir.resolve("tern.yaml");
        Files.writeString(cfg, "storage:\n  minFreeDiskMb: 16\n");
        try (TernProcess tern = TernProcess.broker(mount.resolve("data"), cfg)) {
            int port = tern.port();
            Mqtt5BlockingClient sub = Mqtt5Client.builder().identifier("offline").serverHost("127.0.0.1").serverPort(port).buildBlocking();
            sub.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
            sub.subscribeWith().topicFilter("d/#").qos(MqttQos.AT_LEAST_ONCE).send();
            sub.disconnect();
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

            Files.delete(filler);
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
                pub.publishWith().topic("d/x").qos(MqttQos.AT_LEAST_ONCE).payload("after".getBytes()).send());
            pub.disconnect();
        }
    }
}
