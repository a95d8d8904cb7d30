package dev.tern.broker.clients;

import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.testkit.LeakCheck;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * Closing the broker releases every message it still holds: queued for offline sessions, kept by
 * shared groups with no member online, retained. Checked with Netty's leak detector right after
 * {@link Broker#close()}, on a broker of its own.
 */
class BrokerShutdownIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void closeReleasesQueuedSharedAndRetainedMessages() throws Exception {
        LeakCheck.collectLeaks(); // start clean
        runAndClose();
        // the broker is unreachable now: whatever it did not release is reported as a leak
        assertThat(LeakCheck.collectLeaks()).isEmpty();
    }

    private static void runAndClose() {
        Broker broker = Broker.builder().config(BrokerConfig.builder().tcp("127.0.0.1", 0).ioThreads(2).build())
            .build().start();
        try (TestClient offline = TestClient.create(Kind.HIVEMQ_V5, "down-offline", broker.port());
             TestClient member = TestClient.create(Kind.HIVEMQ_V5, "down-member", broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, "down-pub", broker.port())) {
            offline.connect(true, null);
            offline.subscribe("down/t", 1);
            offline.disconnect();
            member.connect(true, null);
            member.subscribe("$share/g/down/t", 1);
            member.disconnect();
            await().atMost(TIMEOUT).until(() -> broker.sessions().all().stream().noneMatch(s -> s.isOnline()));
            pub.connect();
            for (int i = 0; i < 5; i++) {
                pub.publish("down/t", "m" + i, 1, i == 0);
            }
            pub.disconnect();
        } finally {
            broker.close();
        }
    }
}
