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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 at a chosen point of a QoS 2 exchange ({@link StoreFaults#crash}: from that point nothing
 * is written and nothing more acknowledged), then a restart on the same directory. An
 * acknowledgement the client got must be backed by what is on disk: PUBCOMP by the inbound packet
 * id's removal, PUBREL by the released mark. Each test sends the packet after the crash point,
 * then a PINGREQ: the broker answers PINGREQ at once, so what arrives before the PINGRESP is what it
 * sent for the packet.
 */
class CrashPointIT {
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
    void pubCompIsSentOnlyOnceTheInboundIdIsRemovedOnDisk() {
        tern = new StoreBroker(dataDir);
        tern.start();
        tern.subscribeOffline("watcher", "t/#", 1);
        RawClient pub = tern.connect("publisher", true);
        pub.send(Packets.publish(Packets.V5, "t/a", 2, 7, "first"));
        assertThat(pub.expect(Received.PUBREC).ack().reasonCode()).isZero();

        StoreFaults.crash(tern.broker());
        pub.send(Packets.pubrel(7));
        assertThat(StoreBroker.untilPingResp(pub)).as("no PUBCOMP while the removal of id 7 is not on disk").isEmpty();

        tern.restart();
        RawClient again = tern.connect("publisher", false);
        again.send(Packets.pubrel(7)); // not completed: the client resends PUBREL [MQTT-4.4.0-1]
        Received.Ack comp = again.expect(Received.PUBCOMP).ack();
        assertThat(comp.packetId()).isEqualTo(7);
        assertThat(comp.reasonCode()).as("the id was still recorded").isZero();
        // id 7 is free again: a new message with it is a new message, not a resend
        again.send(Packets.publish(Packets.V5, "t/a", 2, 7, "second"));
        assertThat(again.expect(Received.PUBREC).ack().reasonCode()).isZero();
        again.send(Packets.pubrel(7));
        assertThat(again.expect(Received.PUBCOMP).ack().reasonCode()).isZero();

        RawClient watcher = tern.connect("watcher", false);
        List<String> payloads = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Received.Publish p = watcher.expect(Received.PUBLISH).publish();
            payloads.add(p.payloadText());
            watcher.send(Packets.puback(p.packetId()));
        }
        assertThat(payloads).containsExactly("first", "second");
    }

    @Test
    void pubRelIsSentOnlyOnceThePubRecIsOnDisk() {
        tern = new StoreBroker(dataDir);
        tern.start();
        RawClient sub = tern.connect("receiver", true);
        sub.send(Packets.subscribe(Packets.V5, 1, "q/#", 2));
        sub.expect(Received.SUBACK);
        tern.publish("q/x", "once", 2, Props.none());
        Received.Publish first = sub.expect(Received.PUBLISH).publish();
        assertThat(first.qos()).isEqualTo(2);

        StoreFaults.crash(tern.broker());
        sub.send(Packets.pubrec(first.packetId()));
        assertThat(StoreBroker.untilPingResp(sub)).as("no PUBREL while \"PUBREC received\" is not on disk").isEmpty();

        tern.restart();
        // the client never got PUBREL, so it still holds the id: the resent PUBLISH is a duplicate to it
        RawClient again = tern.connect("receiver", false);
        Received.Publish resent = again.expect(Received.PUBLISH).publish();
        assertThat(resent.packetId()).isEqualTo(first.packetId());
        assertThat(resent.dup()).as("DUP on the resend").isTrue();
        again.send(Packets.pubrec(resent.packetId()));
        Received.Ack rel = again.expect(Received.PUBREL).ack();
        assertThat(rel.packetId()).isEqualTo(first.packetId());
        again.send(Packets.pubcomp(rel.packetId()));
        assertThat(StoreBroker.untilPingResp(again)).isEmpty();

        tern.restart();
        RawClient third = tern.connect("receiver", false);
        assertThat(StoreBroker.untilPingResp(third)).as("completed: nothing is resent after another restart").isEmpty();
    }
}
