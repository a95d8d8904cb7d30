package dev.tern.bench.artemis;

import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Runs Apache ActiveMQ Artemis (embedded) with one MQTT acceptor on 127.0.0.1 and a given port,
 * persistence on (the file journal), for bench/compare.sh:
 * {@code java -cp 'target/artemis-launcher.jar:target/lib/*' dev.tern.bench.artemis.ArtemisLauncher
 * PORT WORKDIR [nio|aio] [sync|nosync]}.
 *
 * <ul>
 *   <li>Journal {@code nio} (the default here) or {@code aio} (libaio, what {@code artemis create}
 *       picks on Linux when libaio is installed: Debian package libaio1). Without libaio Artemis
 *       itself falls back to NIO and logs it.</li>
 *   <li>{@code sync} (the default, Artemis's own): {@code journal-sync-transactional} and
 *       {@code journal-sync-non-transactional} true. Artemis sends a QoS 1/2 PUBLISH's PUBACK /
 *       PUBREC only once the journal reports the write complete (its storage manager's
 *       {@code afterCompleteOperations}), so with sync that is after the journal's (batched) fsync.
 *       {@code nosync} sets both false: for a comparison with a broker that does not fsync.</li>
 * </ul>
 *
 * <p>Everything else is what the broker.xml of {@code artemis create} has for its MQTT acceptor and
 * for the {@code #} address setting (auto-created addresses and queues, paging when full); security
 * off (any client may connect), JMX off.
 */
public final class ArtemisLauncher {

    private ArtemisLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ArtemisLauncher PORT WORKDIR [nio|aio] [sync|nosync]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path work = Path.of(args[1]);
        String journal = args.length > 2 ? args[2].toLowerCase(Locale.ROOT) : "nio";
        String sync = args.length > 3 ? args[3].toLowerCase(Locale.ROOT) : "sync";
        if (!journal.equals("nio") && !journal.equals("aio") || !sync.equals("sync") && !sync.equals("nosync")) {
            System.err.println("ArtemisLauncher: journal must be nio or aio, sync sync or nosync; got " + journal + " " + sync);
            System.exit(2);
        }
        Files.createDirectories(work);

        EmbeddedActiveMQ artemis = new EmbeddedActiveMQ();
        artemis.setConfiguration(configuration(port, work, journal.equals("aio") ? JournalType.ASYNCIO : JournalType.NIO,
            sync.equals("sync")));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                artemis.stop();
            } catch (Exception e) {
                System.err.println("artemis-launcher: stop failed: " + e);
            }
            stopped.countDown();
        }, "artemis-launcher-stop"));
        artemis.start();
        ActiveMQServer server = artemis.getActiveMQServer();
        Configuration c = server.getConfiguration();
        System.out.println("artemis-launcher: " + server.getVersion().getFullVersion() + " listening on 127.0.0.1:" + port
            + ", journal " + c.getJournalType() + " (buffer timeout " + c.getJournalBufferTimeout_NIO() + " ns NIO / "
            + c.getJournalBufferTimeout_AIO() + " ns AIO), sync transactional " + c.isJournalSyncTransactional()
            + ", sync non-transactional " + c.isJournalSyncNonTransactional());
        System.out.flush();
        stopped.await();
    }

    static Configuration configuration(int port, Path work, JournalType journal, boolean sync) throws Exception {
        Path data = work.resolve("data");
        ConfigurationImpl c = new ConfigurationImpl();
        c.setName("bench");
        c.setPersistenceEnabled(true);
        c.setSecurityEnabled(false);
        c.setJMXManagementEnabled(false);
        c.setJournalType(journal);
        c.setJournalSyncTransactional(sync);
        c.setJournalSyncNonTransactional(sync);
        c.setJournalDirectory(data.resolve("journal").toString());
        c.setBindingsDirectory(data.resolve("bindings").toString());
        c.setLargeMessagesDirectory(data.resolve("large-messages").toString());
        c.setPagingDirectory(data.resolve("paging").toString());
        c.setNodeManagerLockDirectory(data.toString());
        // the MQTT acceptor of broker.xml as `artemis create` writes it, on loopback
        c.addAcceptorConfiguration("mqtt", "tcp://127.0.0.1:" + port
            + "?tcpSendBufferSize=1048576;tcpReceiveBufferSize=1048576;protocols=MQTT;useEpoll=true");
        // the catch-all address setting of that broker.xml: MQTT topics become auto-created addresses
        AddressSettings all = new AddressSettings()
            .setAutoCreateAddresses(true)
            .setAutoCreateQueues(true)
            .setAutoDeleteQueues(false)
            .setAutoDeleteAddresses(false)
            .setMaxSizeBytes(-1)
            .setMaxSizeMessages(-1)
            .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE);
        c.addAddressSetting("#", all);
        for (TransportConfiguration t : c.getAcceptorConfigurations()) {
            System.out.println("artemis-launcher: acceptor " + t.getName() + " " + t.getParams());
        }
        return c;
    }
}
