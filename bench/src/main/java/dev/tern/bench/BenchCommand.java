package dev.tern.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code tern bench}: one subcommand per scenario, all with the options of {@link LoadOptions}, and
 * {@code tern bench report} that turns the results of bench/compare.sh into BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Load generator for MQTT brokers (Tern or any other). Runs one scenario and prints delivered/s,",
        "published/s, lost, duplicate and out-of-order counts, latency percentiles and its own CPU (bench/README.md)."},
    subcommands = {BenchCommand.FanIn.class, BenchCommand.FanOut.class, BenchCommand.Pairs.class,
        BenchCommand.Shared.class, BenchCommand.Persistent.class, BenchCommand.Idle.class, BenchCommand.Storm.class,
        BenchCommand.Report.class})
public final class BenchCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** Runs a scenario from the command line; exit code 0 when it completed, 1 when it could not. */
    abstract static class ScenarioCommand implements Callable<Integer> {
        @Mixin
        LoadOptions options;

        abstract Scenario scenario();

        @Override
        public Integer call() throws Exception {
            Scenario s = scenario();
            try {
                Result r = Bench.run(s, options);
                System.out.println("tern bench " + s.id() + ":");
                System.out.print(r.describe());
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("tern bench: " + e.getMessage());
                return 2;
            } catch (BenchException | java.io.IOException e) {
                System.err.println("tern bench " + s.id() + " failed: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "fan-in", mixinStandardHelpOptions = true,
        description = "Publishers (default 4), each on its own topic, into one subscriber of a wildcard filter.")
    static final class FanIn extends ScenarioCommand {
        @Override
        Scenario scenario() {
            return Scenario.FAN_IN;
        }
    }

    @Command(name = "fan-out", mixinStandardHelpOptions = true,
        description = "One publisher to many subscribers (default 50) of one topic.")
    static final class FanOut extends ScenarioCommand {
        @Override
        Scenario scenario() {
            return Scenario.FAN_OUT;
        }
    }

    @Command(name = "pairs", mixinStandardHelpOptions = true,
        description = "Independent publisher/subscriber pairs (--pairs, default 20), one topic each.")
    static final class Pairs extends ScenarioCommand {
        @Override
        Scenario scenario() {
            return Scenario.PAIRS;
        }
    }

    @Command(name = "shared", mixinStandardHelpOptions = true,
        description = "Publishers (default 4) into one shared subscription with several members (default 4).")
    static final class Shared extends ScenarioCommand {
        @Override
        Scenario scenario() {
            return Scenario.SHARED;
        }
    }

    @Command(name = "persistent", mixinStandardHelpOptions = true,
        description = "QoS 1/2 messages into offline persistent sessions (clean start = false), delivered when they come back.")
    static final class Persistent extends ScenarioCommand {
        @Override
        Scenario scenario() {
            return Scenario.PERSISTENT;
        }
    }

    @Command(name = "idle", mixinStandardHelpOptions = true,
        description = "Holds many idle connections (default 10000); with --broker-pid, the broker's memory per connection.")
    static final class Idle extends ScenarioCommand {
        @Override
        Scenario scenario() {
            return Scenario.IDLE;
        }
    }

    @Command(name = "storm", mixinStandardHelpOptions = true,
        description = "Opens many connections at once (default 5000): connects/s and time to CONNACK.")
    static final class Storm extends ScenarioCommand {
        @Override
        Scenario scenario() {
            return Scenario.STORM;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes BENCHMARKS.md from the results directory bench/compare.sh filled.")
    static final class Report implements Callable<Integer> {
        @Option(names = "--results", required = true, paramLabel = "DIR", description = "results directory of compare.sh")
        Path results;

        @Option(names = "--out", defaultValue = "BENCHMARKS.md", paramLabel = "FILE", description = "report file (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            CompareReport.write(results, out);
            System.out.println("tern bench report: wrote " + out);
            return 0;
        }
    }
}
