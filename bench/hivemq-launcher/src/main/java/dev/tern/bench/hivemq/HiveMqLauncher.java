package dev.tern.bench.hivemq;

import com.hivemq.embedded.EmbeddedHiveMQ;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs HiveMQ CE (embedded) on 127.0.0.1 and a given port, for bench/compare.sh:
 * {@code java -cp 'target/hivemq-launcher.jar:target/lib/*' dev.tern.bench.hivemq.HiveMqLauncher
 * PORT WORKDIR [MAX_QUEUE_SIZE] [in-memory|file]}.
 *
 * <p>Persistence {@code in-memory} (the default here) keeps sessions, queues and retained messages
 * on the heap; {@code file} is HiveMQ CE's own default: they go to its local stores (Xodus and
 * RocksDB) under WORKDIR/data, written without an fsync per message (HiveMQ CE 2025.5's internal
 * configuration: Xodus durable writes off, synced every second).
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
            System.err.println("usage: HiveMqLauncher PORT WORKDIR [MAX_QUEUE_SIZE] [in-memory|file]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path work = Path.of(args[1]);
        int maxQueue = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        String persistence = args.length > 3 ? args[3] : "in-memory";
        if (!persistence.equals("in-memory") && !persistence.equals("file")) {
            System.err.println("HiveMqLauncher: persistence must be in-memory or file, not " + persistence);
            System.exit(2);
        }
        Path conf = Files.createDirectories(work.resolve("conf"));
        Path data = Files.createDirectories(work.resolve("data"));
        Path extensions = Files.createDirectories(work.resolve("extensions"));
        Files.writeString(conf.resolve("config.xml"), config(port, maxQueue, persistence));

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
        System.out.println("hivemq-launcher: listening on 127.0.0.1:" + port + ", persistence " + persistence);
        System.out.flush();
        stopped.await();
    }

    /** The config the bench uses: the defaults, plus a loopback listener, the persistence mode and the queue size. */
    static String config(int port, int maxQueue, String persistence) {
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
                    <mode>%s</mode>
                </persistence>
                <general>
                    <update-check-enabled>false</update-check-enabled>
                </general>
            </hivemq>
            """.formatted(port, maxQueue, persistence);
    }
}
