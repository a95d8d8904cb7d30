package dev.tern.broker.conformance;

import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @Test
    void v311PublishSubscribeRoundTrip() {
        try (RawClient sub = RawClient.connect(broker.port()); RawClient pub = RawClient.connect(broker.port())) {
            sub.connectV311("sub");
            sub.send(Packets.subscribe(Packets.V311, 1, "a/+", 1));
            assertThat(sub.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(1);
            pub.connectV311("pub");
            pub.send(Packets.publish(Packets.V311, "a/b", 1, 7, "hello"));
            assertThat(pub.expect(Received.PUBACK).ack().packetId()).isEqualTo(7);
            Received.Publish p = sub.expect(Received.PUBLISH).publish();
            assertThat(p.topic()).isEqualTo("a/b");
            assertThat(p.payloadText()).isEqualTo("hello");
            assertThat(p.qos()).isEqualTo(1);
            sub.send(Packets.puback(p.packetId()));
        }
    }

    @Test
    void v5ConnackAdvertisesCapabilities() {
        try (RawClient c = RawClient.connect(broker.port())) {
            Received.ConnAck ack = c.connectV5("caps");
            assertThat(ack.properties().has(Props.RECEIVE_MAXIMUM)).isFalse(); // 65535 is the default when absent
            assertThat(ack.properties().integer(Props.RETAIN_AVAILABLE)).isEqualTo(1);
            assertThat(ack.properties().integer(Props.SHARED_SUBSCRIPTION_AVAILABLE)).isEqualTo(1);
            assertThat(ack.properties().has(Props.MAXIMUM_QOS)).isFalse();
        }
    }
}
