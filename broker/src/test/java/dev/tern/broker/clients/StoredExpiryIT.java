package dev.tern.broker.clients;

import dev.tern.broker.storage.rocksdb.StoreFaults;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

import static dev.tern.broker.clients.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Message expiry with a store: a stored message that was never sent and has expired is not
 * delivered after a restart and is deleted from disk [MQTT-3.3.2-5]; one that was sent before keeps
 * going and is resent with DUP; one never sent goes without DUP. Expired messages in offline queues
 * and expired retained messages are deleted from disk while the broker runs, too.
 */
class StoredExpiryIT {
    private static final byte[] EXPIRES_IN_10_S = Props.of().u32(Props.MESSAGE_EXPIRY_INTERVAL, 10).build();

    @TempDir
    Path dataDir;
    private final MutableClock clock = new MutableClock();
    private StoreBroker tern;

    @AfterEach
    void stop() {
        if (tern != null) {
            tern.close();
        }
    }

    private StoreBroker start() {
        tern = new StoreBroker(dataDir, clock, UnaryOperator.identity());
        tern.start();
        return tern;
    }

    @Test
    void anExpiredMessageNeverSentIsDroppedAtRestartAndDeletedFromDisk() {
        start();
        tern.subscribeOffline("late", "e/#", 1);
        tern.publish("e/a", "short", 1, EXPIRES_IN_10_S);
        tern.publish("e/a", "long", 1, Props.none());
        assertThat(StoreFaults.counts(tern.broker())).containsEntry("queues", 2L).containsEntry("messages", 2L);

        clock.advance(Duration.ofSeconds(20));
        tern.restart();
        assertThat(StoreFaults.counts(tern.broker())).as("the expired one is gone from disk")
            .containsEntry("queues", 1L).containsEntry("messages", 1L);
        RawClient late = tern.connect("late", false);
        Received.Publish p = late.expect(Received.PUBLISH).publish();
        assertThat(p.payloadText()).isEqualTo("long");
        assertThat(p.dup()).as("never sent before: no DUP").isFalse();
        late.send(Packets.puback(p.packetId()));
        assertThat(StoreBroker.untilPingResp(late)).isEmpty();
    }

    @Test
    void aMessageSentBeforeTheRestartIsResentWithDupEvenWhenExpiredAndOneNeverSentWithout() {
        start();
        // receive maximum 1: the first message goes out, the second waits in the queue
        byte[] oneInFlight = Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 3600).u16(Props.RECEIVE_MAXIMUM, 1).build();
        RawClient slow = tern.connect("slow", true, oneInFlight);
        slow.send(Packets.subscribe(Packets.V5, 1, "f/#", 1));
        slow.expect(Received.SUBACK);
        tern.publish("f/a", "in-flight", 1, EXPIRES_IN_10_S);
        tern.publish("f/a", "queued", 1, Props.none());
        Received.Publish first = slow.expect(Received.PUBLISH).publish();
        assertThat(first.payloadText()).isEqualTo("in-flight");
        assertThat(StoreBroker.untilPingResp(slow)).as("the window holds one").isEmpty();

        clock.advance(Duration.ofSeconds(20));
        tern.restart();
        RawClient again = tern.connect("slow", false, oneInFlight);
        Received.Publish resent = again.expect(Received.PUBLISH).publish();
        assertThat(resent.payloadText()).as("its onward delivery had started: it goes on [MQTT-3.3.2-5]")
            .isEqualTo("in-flight");
        assertThat(resent.dup()).as("sent before the restart: DUP").isTrue();
        assertThat(resent.packetId()).isEqualTo(first.packetId());
        again.send(Packets.puback(resent.packetId()));
        Received.Publish next = again.expect(Received.PUBLISH).publish();
        assertThat(next.payloadText()).isEqualTo("queued");
        assertThat(next.dup()).as("never sent before: no DUP").isFalse();
    }

    @Test
    void expiredMessagesOfAnOfflineQueueAreDeletedFromDiskWhileTheBrokerRuns() {
        start();
        tern.subscribeOffline("away", "o/#", 1);
        tern.publish("o/a", "short", 1, EXPIRES_IN_10_S);
        tern.publish("o/a", "long", 1, Props.none());
        assertThat(StoreFaults.counts(tern.broker())).containsEntry("queues", 2L);

        clock.advance(Duration.ofSeconds(20));
        tern.broker().sessions().scan();
        await().atMost(Duration.ofSeconds(10)).until(() -> StoreFaults.counts(tern.broker()).get("queues") == 1L);
        assertThat(StoreFaults.counts(tern.broker())).containsEntry("messages", 1L);
        RawClient away = tern.connect("away", false);
        assertThat(away.expect(Received.PUBLISH).publish().payloadText()).isEqualTo("long");
    }

    @Test
    void expiredRetainedMessagesAreDeletedFromDisk() {
        start();
        try (RawClient p = RawClient.connect(tern.broker().port())) {
            p.connectV5("retainer");
            p.send(Packets.publish(Packets.V5, "r/short", 1, true, false, 1, EXPIRES_IN_10_S, "s".getBytes()));
            p.expect(Received.PUBACK);
            p.send(Packets.publish(Packets.V5, "r/long", 1, true, false, 2, Props.none(), "l".getBytes()));
            p.expect(Received.PUBACK);
        }
        assertThat(StoreFaults.counts(tern.broker())).containsEntry("retained", 2L);

        clock.advance(Duration.ofSeconds(20));
        tern.broker().retained().purgeExpired(); // what the periodic scan does: no subscriber needs to look
        assertThat(StoreFaults.counts(tern.broker())).as("gone from disk, not only from memory")
            .containsEntry("retained", 1L);
        assertThat(tern.broker().retained().size()).isEqualTo(1);
        tern.restart();
        RawClient s = tern.connect("reader", true);
        s.send(Packets.subscribe(Packets.V5, 1, "r/#", 1));
        s.expect(Received.SUBACK);
        Received.Publish kept = s.expect(Received.PUBLISH).publish();
        assertThat(kept.payloadText()).isEqualTo("l");
        s.send(Packets.puback(kept.packetId()));
        assertThat(StoreBroker.untilPingResp(s)).as("the expired one is not sent").isEmpty();
    }
}
