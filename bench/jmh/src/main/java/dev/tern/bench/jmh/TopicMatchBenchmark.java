package dev.tern.bench.jmh;

import dev.tern.broker.routing.SharedGroup;
import dev.tern.broker.routing.Subscription;
import dev.tern.broker.routing.SubscriptionTree;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Matching a topic against about a million subscriptions ({@link SubscriptionSet}): a command
 * topic (one exact subscriber plus the tenant's '#'), a status topic (the tenant's '+' and '#'
 * subscribers) and a topic nobody subscribed to. The setup prints the heap the tree takes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class TopicMatchBenchmark {
    private static final int TOPICS = 4096;

    /** tenants x devices; 1000 x 1000 is one million device subscriptions (+2,000 wildcard ones). */
    @Param({"1000"})
    int tenants;

    @Param({"1000"})
    int devices;

    private SubscriptionTree tree;
    private String[] commandTopics;
    private String[] statusTopics;
    private String[] missTopics;
    private int next;
    private final Sink sink = new Sink();

    /** Counts matches; JMH returns the count so nothing is optimised away. */
    static final class Sink implements SubscriptionTree.MatchSink {
        int matches;

        @Override
        public void subscription(Subscription s) {
            matches++;
        }

        @Override
        public void sharedGroup(SharedGroup g) {
            matches++;
        }
    }

    @Setup(Level.Trial)
    public void build() {
        SubscriptionSet set = new SubscriptionSet(tenants, devices);
        long before = SubscriptionSet.usedHeapAfterGc();
        tree = set.build();
        long after = SubscriptionSet.usedHeapAfterGc();
        System.out.printf("%nsubscription tree: %,d subscriptions take %,d bytes of heap (%.1f bytes each)%n",
            tree.size(), after - before, (after - before) / (double) tree.size());
        Random random = new Random(42);
        commandTopics = new String[TOPICS];
        statusTopics = new String[TOPICS];
        missTopics = new String[TOPICS];
        for (int i = 0; i < TOPICS; i++) {
            int t = random.nextInt(tenants);
            int d = random.nextInt(devices);
            commandTopics[i] = SubscriptionSet.commandTopic(t, d);
            statusTopics[i] = SubscriptionSet.statusTopic(t, d);
            missTopics[i] = "other/" + t + "/device/" + d + "/cmd";
        }
    }

    @Benchmark
    public int matchCommandTopic() {
        sink.matches = 0;
        tree.match(commandTopics[next++ & (TOPICS - 1)], sink);
        return sink.matches;
    }

    @Benchmark
    public int matchStatusTopicThroughWildcards() {
        sink.matches = 0;
        tree.match(statusTopics[next++ & (TOPICS - 1)], sink);
        return sink.matches;
    }

    @Benchmark
    public int matchTopicWithoutSubscribers() {
        sink.matches = 0;
        tree.match(missTopics[next++ & (TOPICS - 1)], sink);
        return sink.matches;
    }
}
