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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * While the disk is low on space the store refuses what adds data and still writes what removes or
 * marks it: a QoS 2 exchange completed, an unsubscribe and acknowledged deliveries during that time
 * stay done after a restart (no duplicate, no stale subscription, no packet id taken for a resend).
 */
class LowDiskSpaceIT {
    private static final int QUOTA_EXCEEDED = 0x97;

    @TempDir
    Path dataDir;
    private StoreBroker tern;

    @AfterEach
    void stop() {
        if (tern != null) {
            tern.close();
        }
    }

    @Test
    void removalsAreWrittenWhileAdditionsAreRefused() {
        tern = new StoreBroker(dataDir);
        tern.start();
        tern.subscribeOffline("keeper", "d/#", 2);
        tern.subscribeOffline("leaver", "d/#", 1);
        RawClient pub = tern.connect("publisher", true);
        pub.send(Packets.publish(Packets.V5, "d/x", 2, 5, "before"));
        assertThat(pub.expect(Received.PUBREC).ack().reasonCode()).isZero();

        StoreFaults.lowSpace(tern.broker(), true);
        pub.send(Packets.publish(Packets.V5, "d/x", 1, 6, "refused-1"));
        assertThat(pub.expect(Received.PUBACK).ack().reasonCode()).as("QoS 1 that needs storage").isEqualTo(QUOTA_EXCEEDED);
        pub.send(Packets.publish(Packets.V5, "d/x", 2, 8, "refused-2"));
        assertThat(pub.expect(Received.PUBREC).ack().reasonCode()).as("QoS 2").isEqualTo(QUOTA_EXCEEDED);
        pub.send(Packets.pubrel(5));
        assertThat(pub.expect(Received.PUBCOMP).ack().reasonCode()).as("completing frees space: written").isZero();

        RawClient leaver = tern.connect("leaver", false);
        Received.Publish toLeaver = leaver.expect(Received.PUBLISH).publish();
        leaver.send(Packets.puback(toLeaver.packetId()));
        leaver.send(Packets.unsubscribe(Packets.V5, 9, "d/#"));
        assertThat(leaver.expect(Received.UNSUBACK).suback().reasonCodes()).containsExactly(0);

        RawClient keeper = tern.connect("keeper", false);
        Received.Publish toKeeper = keeper.expect(Received.PUBLISH).publish();
        assertThat(toKeeper.payloadText()).isEqualTo("before");
        keeper.send(Packets.pubrec(toKeeper.packetId()));
        keeper.expect(Received.PUBREL);
        keeper.send(Packets.pubcomp(toKeeper.packetId()));
        assertThat(StoreBroker.untilPingResp(keeper)).as("the refused messages were not delivered").isEmpty();

        try (RawClient fresh = RawClient.connect(tern.broker().port())) {
            fresh.v5(true).send(Packets.connect(Packets.V5, "newcomer")
                .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 3600).build()).build());
            assertThat(fresh.expect(Received.CONNACK).connack().reasonCode()).as("a new persistent session needs storage")
                .isEqualTo(QUOTA_EXCEEDED);
        }

        StoreFaults.lowSpace(tern.broker(), false);
        tern.restart();
        RawClient keeperAgain = tern.connect("keeper", false);
        assertThat(StoreBroker.untilPingResp(keeperAgain)).as("completed during the low-space time: no QoS 2 duplicate")
            .isEmpty();
        assertThat(StoreFaults.counts(tern.broker())).as("only the keeper's subscription is stored")
            .containsEntry("subscriptions", 1L).containsEntry("queues", 0L);
        RawClient pubAgain = tern.connect("publisher", false);
        pubAgain.send(Packets.publish(Packets.V5, "d/x", 2, 5, "after")); // id 5 was completed: a new message
        assertThat(pubAgain.expect(Received.PUBREC).ack().reasonCode()).isZero();
        pubAgain.send(Packets.pubrel(5));
        pubAgain.expect(Received.PUBCOMP);
        assertThat(keeperAgain.expect(Received.PUBLISH).publish().payloadText()).isEqualTo("after");
        RawClient leaverAgain = tern.connect("leaver", false);
        assertThat(StoreBroker.untilPingResp(leaverAgain)).as("unsubscribed during the low-space time").isEmpty();
    }

    @Test
    void aRefusedRetainedMessageIsNotServedToNewSubscriptions() {
        tern = new StoreBroker(dataDir);
        tern.start();
        StoreFaults.lowSpace(tern.broker(), true);
        try (RawClient pub = RawClient.connect(tern.broker().port())) {
            pub.connectV5("retainer");
            pub.send(Packets.publish(Packets.V5, "r/x", 1, true, false, 1, Props.none(), "kept?".getBytes()));
            assertThat(pub.expect(Received.PUBACK).ack().reasonCode()).isEqualTo(QUOTA_EXCEEDED);
        }
        try (RawClient reader = RawClient.connect(tern.broker().port())) {
            reader.connectV5("reader"); // a clean session: its subscription needs no storage
            reader.send(Packets.subscribe(Packets.V5, 1, "r/#", 1));
            assertThat(reader.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(1);
            assertThat(StoreBroker.untilPingResp(reader)).as("the index changes only once the disk has it").isEmpty();
        }
        assertThat(tern.broker().retained().size()).isZero();
    }
}
