package dev.tern.cli;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A damaged store is never replaced by an empty one: the broker refuses to start and says what to do. */
class DamagedStoreIT {
    @TempDir
    Path dir;

    private void fillStore(Path data) {
        try (TernProcess tern = TernProcess.broker(data, null)) {
            int port = tern.port();
            Mqtt5BlockingClient c = Mqtt5Client.builder().identifier("c").serverHost("127.0.0.1").serverPort(port).buildBlocking();
            c.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
            c.subscribeWith().topicFilter("a/#").qos(MqttQos.AT_LEAST_ONCE).send();
            c.disconnect();
            Mqtt5BlockingClient p = Mqtt5Client.builder().identifier("p").serverHost("127.0.0.1").serverPort(port).buildBlocking();
            p.connect();
            for (int i = 0; i < 200; i++) {
                p.publishWith().topic("a/b").qos(MqttQos.AT_LEAST_ONCE).payload(("message " + i).getBytes()).send();
            }
            p.disconnect();
            tern.kill9(); // leaves everything in the write-ahead log
        }
    }

    @Test
    void aCorruptedManifestStopsTheStartWithInstructions() throws Exception {
        Path data = dir.resolve("data");
        fillStore(data);
        Path manifest;
        try (Stream<Path> files = Files.list(data)) {
            manifest = files.filter(f -> f.getFileName().toString().startsWith("MANIFEST-")).findFirst().orElseThrow();
        }
        Files.write(manifest, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        TernProcess tern = TernProcess.run("broker", "--port", "0", "--data-dir", data.toString());
        int code = tern.waitFor();
        assertThat(code).isNotZero();
        assertThat(tern.output()).contains("cannot be opened").contains("tern storage check").contains("move the directory aside");
        assertThat(tern.output()).doesNotContain("listening for MQTT");
        assertThat(tern.output()).as("a message, not a stack trace").doesNotContain("\tat ");
    }

    @Test
    void aStoreInUseIsSaidToBeInUseAndCheckStillReadsIt() throws Exception {
        Path data = dir.resolve("data");
        try (TernProcess running = TernProcess.broker(data, null)) {
            TernProcess second = TernProcess.run("broker", "--port", "0", "--data-dir", data.toString());
            assertThat(second.waitFor()).isNotZero();
            assertThat(second.output()).contains("in use by another process").doesNotContain("tern storage repair")
                .doesNotContain("\tat ");
            TernProcess check = TernProcess.run("storage", "check", "--data-dir", data.toString());
            assertThat(check.waitFor()).as(check.output()).isZero();
            assertThat(check.output()).contains("sound");
            assertThat(running.port()).as("the running broker is untouched").isPositive();
        }
    }

    @Test
    void aCorruptedLogIsRefusedThenRepairSalvagesTheRest() throws Exception {
        Path data = dir.resolve("data");
        fillStore(data);
        Path log;
        try (Stream<Path> files = Files.list(data)) {
            log = files.filter(f -> f.getFileName().toString().endsWith(".log")).max(Path::compareTo).orElseThrow();
        }
        long size = Files.size(log);
        assertThat(size).as("the write-ahead log holds the traffic").isGreaterThan(4096);
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
            f.seek(size / 3); // damage in the middle, not the torn tail a crash leaves
            f.write(new byte[]{(byte) 0xDE, (byte) 0xAD, (byte) 0xBE, (byte) 0xEF, 0x00, 0x11, 0x22, 0x33});
        }
        TernProcess refused = TernProcess.run("broker", "--port", "0", "--data-dir", data.toString());
        assertThat(refused.waitFor()).isNotZero();
        assertThat(refused.output()).contains("cannot be opened").contains("tern storage repair");

        TernProcess check = TernProcess.run("storage", "check", "--data-dir", data.toString());
        assertThat(check.waitFor()).as("check reports the damage").isNotZero();

        TernProcess repair = TernProcess.run("storage", "repair", "--data-dir", data.toString());
        assertThat(repair.waitFor()).as(repair.output()).isZero();
        assertThat(repair.output()).contains("repaired");

        TernProcess checkAgain = TernProcess.run("storage", "check", "--data-dir", data.toString());
        assertThat(checkAgain.waitFor()).as(checkAgain.output()).isZero();
        try (TernProcess tern = TernProcess.broker(data, null)) {
            assertThat(tern.port()).isPositive();
        }
    }
}
