package dev.tern.bench.hivemq;

import com.hivemq.embedded.EmbeddedHiveMQ;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs HiveMQ CE (embedded) on 127.0.0.1 and a given port with in-memory persistence, for
 * bench/compare.sh: {@code java -cp 'target/hivemq-launcher.jar:target/lib/*'
 * dev.tern.bench.hivemq.HiveMqLauncher PORT WORKDIR [MAX_QUEUE_SIZE]}.
 *
 * <p>No extension is installed: embedded HiveMQ CE starts with its default authentication
 * behaviour set to "allow all" (it logs so), which is what the binary distribution gets from its
 * bundled allow-all extension, without the extension call on every CONNECT.
 */
public final class HiveMqLauncher {

    private HiveMqLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: HiveMqLauncher PORT WORKDIR [MAX_QUEUE_SIZE]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path work = Path.of(args[1]);
        int maxQueue = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        Path conf = Files.createDirectories(work.resolve("conf"));
        Path data = Files.createDirectories(work.resolve("data"));
        Path extensions = Files.createDirectories(work.resolve("extensions"));
        Files.writeString(conf.resolve("config.xml"), config(port, maxQueue));

        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
            .withConfigurationFolder(conf)
            .withDataFolder(data)
            .withExtensionsFolder(extensions)
            .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                hivemq.stop().join();
                hivemq.close();
            } catch (Exception e) {
                System.err.println("hivemq-launcher: stop failed: " + e);
            }
            stopped.countDown();
        }, "hivemq-launcher-stop"));
        hivemq.start().join();
        System.out.println("hivemq-launcher: listening on 127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }

    /** The config the bench uses: the defaults, plus a loopback listener, in-memory persistence and the queue size. */
    static String config(int port, int maxQueue) {
        return """
            <?xml version="1.0"?>
            <hivemq>
                <listeners>
                    <tcp-listener>
                        <port>%d</port>
                        <bind-address>127.0.0.1</bind-address>
                    </tcp-listener>
                </listeners>
                <mqtt>
                    <queued-messages>
                        <max-queue-size>%d</max-queue-size>
                        <strategy>discard</strategy>
                    </queued-messages>
                </mqtt>
                <persistence>
                    <mode>in-memory</mode>
                </persistence>
                <general>
                    <update-check-enabled>false</update-check-enabled>
                </general>
            </hivemq>
            """.formatted(port, maxQueue);
    }
}
