package dev.tern.bench.jmh;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.metrics.BrokerMetrics;
import dev.tern.broker.protocol.Properties;
import dev.tern.broker.retained.MemoryRetainedStore;
import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Router;
import dev.tern.broker.routing.Subscription;
import dev.tern.broker.routing.SubscriptionTree;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * {@link Router#publish}: match, fold per session, hand to each subscriber, for a message with
 * 1, 10 or 100 subscribers (fan-in, pairs, fan-out shapes), in a tree that also holds
 * {@code background} unrelated subscriptions. The hand-off itself is a counter here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RoutingBenchmark {
    @Param({"1", "10", "100"})
    int subscribers;

    @Param({"10000"})
    int background;

    private Router router;
    private Message message;
    private CountingSubscriber[] sessions;

    @Setup(Level.Trial)
    public void setUp() {
        SubscriptionTree tree = new SubscriptionTree();
        sessions = new CountingSubscriber[subscribers];
        for (int i = 0; i < subscribers; i++) {
            sessions[i] = new CountingSubscriber("s" + i);
            String filter = i % 2 == 0 ? "bench/route/t" : "bench/+/t";
            tree.subscribe(new Subscription(sessions[i], filter, filter, null, 1, false, false, 0, 0));
        }
        for (int i = 0; i < background; i++) {
            String f = "other/" + (i % 100) + "/" + i;
            tree.subscribe(new Subscription(new CountingSubscriber("b" + i), f, f, null, 1, false, false, 0, 0));
        }
        router = new Router(tree, new MemoryRetainedStore(Clock.systemUTC()), MqttConfig.builder().build(),
            new BrokerMetrics(new SimpleMeterRegistry()), new Router.SharedQueueStore() {
                @Override
                public Object enqueueShared(String group, String topicFilter, long seq, Message m) {
                    return null;
                }

                @Override
                public void dequeueShared(String group, String topicFilter, long seq, Object handle) {
                }
            });
        message = new Message("bench/route/t", 1, false, Properties.EMPTY, Unpooled.wrappedBuffer(new byte[64]),
            Message.NO_EXPIRY, "publisher");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        message.release();
    }

    @Benchmark
    public int publish() {
        return router.publish(message);
    }
}
