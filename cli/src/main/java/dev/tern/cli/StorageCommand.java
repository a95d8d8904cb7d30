package dev.tern.cli;

import dev.tern.broker.StorageConfig;
import dev.tern.broker.storage.StorageException;
import dev.tern.broker.storage.rocksdb.StoreMaintenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tern storage check|repair}: inspect or salvage a store the broker refuses to open. */
@Command(name = "storage", mixinStandardHelpOptions = true,
    description = "Checks or repairs the broker's RocksDB store.",
    subcommands = {StorageCommand.Check.class, StorageCommand.Repair.class})
public final class StorageCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
        description = "Opens the store read-only (it writes nothing, so it may run while a broker uses the store),"
            + " reads every record and reports what it holds; exit 0 when it is sound.")
    static final class Check implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data", description = "the data directory (default ./data)")
        Path dataDir;

        @Override
        public Integer call() {
            try {
                StoreMaintenance.Report report = StoreMaintenance.check(dataDir);
                System.out.println("store " + dataDir + ": format " + report.formatVersion() + ", sound");
                for (Map.Entry<String, Long> e : report.counts().entrySet()) {
                    System.out.println("  " + e.getKey() + ": " + e.getValue());
                }
                if (report.leftOver() > 0) {
                    System.out.println("  " + report.leftOver() + " records left over by a crash (entries whose message"
                        + " is gone, records of ended sessions): the broker drops them at its next start");
                }
                return 0;
            } catch (StorageException e) {
                System.err.println("tern: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "repair", mixinStandardHelpOptions = true,
        description = "Salvages what is readable: opens the store past damaged log records (or at the newest"
            + " consistent state RocksDB finds), then drops records that cannot be read, entries whose message is"
            + " missing and records of sessions that no longer exist. Copy the directory first if you may need the"
            + " original.")
    static final class Repair implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data", description = "the data directory (default ./data)")
        Path dataDir;

        @Override
        public Integer call() {
            try {
                StoreMaintenance.Report report = StoreMaintenance.repair(dataDir, StorageConfig.Durability.FSYNC);
                System.out.println("store " + dataDir + " repaired; dropped " + report.dropped()
                    + " unreadable or dangling records");
                for (Map.Entry<String, Long> e : report.counts().entrySet()) {
                    System.out.println("  " + e.getKey() + ": " + e.getValue());
                }
                return 0;
            } catch (StorageException e) {
                System.err.println("tern: " + e.getMessage());
                return 1;
            }
        }
    }
}
