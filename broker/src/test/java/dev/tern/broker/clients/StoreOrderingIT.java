package dev.tern.broker.clients;

import dev.tern.broker.session.SessionAccess;
import dev.tern.broker.storage.rocksdb.StoreFaults;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.tern.broker.clients.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes staged on different event loops reach the disk in no fixed order, so a change must be
 * staged on the loop whose acknowledgement or whose later change depends on it. A write is held
 * back on one loop ({@link StoreFaults#holdSharedEnqueue}) to make the other order happen. Two
 * event loops; connections are spread over them in turn.
 */
class StoreOrderingIT {
    @TempDir
    Path dataDir;
    private StoreBroker tern;

    @AfterEach
    void stop() {
        if (tern != null) {
            tern.close();
        }
    }

    private Long stored(String family) {
        return StoreFaults.counts(tern.broker()).get(family);
    }

    @Test
    void aSharedGroupMessageIsNotTakenBeforeItsWriteIsDurable() throws Exception {
        tern = new StoreBroker(dataDir);
        tern.start();
        tern.subscribeOffline("member", "$share/g/h/#", 1); // the member's session lives on this connection's loop
        RawClient pub = tern.connect("hpub", true);           // the next connection: the other loop
        EventLoop pubLoop = SessionAccess.owner(tern.broker(), "hpub");
        assertThat(SessionAccess.owner(tern.broker(), "member")).as("precondition: two loops").isNotSameAs(pubLoop);

        StoreFaults.Hold hold = StoreFaults.holdSharedEnqueue(tern.broker());
        RawClient member;
        try {
            pub.send(Packets.publish(Packets.V5, "h/x", 1, 1, "m"));
            hold.awaitHeld(); // the publisher's loop is in the write of the group's entry
            assertThat(pubLoop.inEventLoop(hold.thread())).isTrue();
            // the member comes back on its own loop meanwhile, and drains the group as it resumes: not
            // this message, whose entry is not on disk yet (taking it would write its delete before its put)
            member = tern.connect("member", false);
            assertThat(StoreBroker.untilPingResp(member)).as("not taken while its write is pending").isEmpty();
        } finally {
            hold.release();
        }
        Received.Publish p = member.expect(Received.PUBLISH).publish();
        assertThat(p.payloadText()).isEqualTo("m");
        member.send(Packets.puback(p.packetId()));
        pub.expect(Received.PUBACK);
        await().atMost(Duration.ofSeconds(10)).until(() -> stored("shared") == 0 && stored("queues") == 0);

        tern.restart();
        RawClient again = tern.connect("member", false);
        assertThat(StoreBroker.untilPingResp(again)).as("not brought back by a late write of its entry").isEmpty();
    }

    @Test
    void aCleanStartTakeOverStagesTheNewSessionWhereItsConnAckWaits() throws Exception {
        tern = new StoreBroker(dataDir);
        tern.start();
        RawClient first = tern.connect("mover", true); // the old session's loop
        first.send(Packets.disconnect());
        first.expectClosed();
        await().atMost(Duration.ofSeconds(10)).until(() -> !tern.broker().sessions().get("mover").isOnline());

        StoreFaults.Hold hold = StoreFaults.holdSessionRecord(tern.broker());
        RawClient second = RawClient.connect(tern.broker().port()); // the other loop
        second.v5(true).send(Packets.connect(Packets.V5, "mover").cleanStart(true)
            .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 3600).build()).build());
        hold.awaitHeld(); // the new session's record is being written
        try {
            assertThat(SessionAccess.owner(tern.broker(), "mover").inEventLoop(hold.thread()))
                .as("staged on the new session's own loop, where its CONNACK waits").isTrue();
        } finally {
            StoreFaults.crash(tern.broker()); // kill -9 before the record is on disk (and the hold ends)
        }
        tern.broker().close();
        List<Received> got = second.expectClosed();
        assertThat(got).as("no CONNACK for a session that is not stored").noneMatch(r -> r.type() == Received.CONNACK);
    }

    @Test
    void aGroupThatLosesItsLastMemberDeletesWhatItKeptAndANewGroupStartsClean() {
        tern = new StoreBroker(dataDir);
        tern.start();
        tern.subscribeOffline("member", "$share/g/s/t", 1);
        for (int i = 0; i < 3; i++) {
            tern.publish("s/t", "old" + i, 1, Props.none());
        }
        assertThat(stored("shared")).isEqualTo(3);

        RawClient clean = tern.connect("member", true); // clean start: the old session ends, and the group with it
        assertThat(stored("shared")).as("what the group kept goes from disk too").isZero();
        clean.send(Packets.subscribe(Packets.V5, 1, "$share/g/s/t", 1));
        clean.expect(Received.SUBACK);
        clean.send(Packets.disconnect());
        clean.expectClosed();
        tern.publish("s/t", "new", 1, Props.none());

        tern.restart();
        RawClient again = tern.connect("member", false);
        Received.Publish p = again.expect(Received.PUBLISH).publish();
        assertThat(p.payloadText()).isEqualTo("new");
        again.send(Packets.puback(p.packetId()));
        assertThat(StoreBroker.untilPingResp(again)).as("nothing of the old group").isEmpty();
    }
}
