package dev.tern.cli;

import dev.tern.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tern} command. */
@Command(name = "tern", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Tern: an MQTT 3.1 / 3.1.1 / 5.0 broker and platform for the JVM.",
    subcommands = {BrokerCommand.class, GatewayCommand.class, StorageCommand.class, CoapBridgeCommand.class,
        BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"tern " + (v == null ? "development build" : v)};
        }
    }
}
