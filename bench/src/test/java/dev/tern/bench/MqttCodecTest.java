package dev.tern.bench;

import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The generator's packets, byte for byte against testkit's independent builders. */
class MqttCodecTest {

    @Test
    void connectMatchesTheIndependentBuilderInBothVersions() {
        assertThat(MqttCodec.connect(4, "c1", true, 60, 0))
            .isEqualTo(Packets.connect(4, "c1").cleanStart(true).keepAlive(60).build());
        assertThat(MqttCodec.connect(5, "c1", true, 30, 0))
            .isEqualTo(Packets.connect(5, "c1").cleanStart(true).keepAlive(30).build());
    }

    @Test
    void persistentConnectCarriesCleanStartZeroAndTheSessionExpiry() {
        assertThat(MqttCodec.connect(4, "p", false, 60, 3600))
            .isEqualTo(Packets.connect(4, "p").cleanStart(false).keepAlive(60).build());
        assertThat(MqttCodec.connect(5, "p", false, 60, 3600))
            .isEqualTo(Packets.connect(5, "p").cleanStart(false).keepAlive(60)
                .props(Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 3600).build()).build());
    }

    @Test
    void subscribeMatchesTheIndependentBuilder() {
        assertThat(MqttCodec.subscribe(4, 1, "a/+", 1)).isEqualTo(Packets.subscribe(4, 1, "a/+", 1));
        assertThat(MqttCodec.subscribe(5, 1, "$share/g/a/#", 2)).isEqualTo(Packets.subscribe(5, 1, "$share/g/a/#", 2));
    }

    @Test
    void publishTemplatePatchedLikeThePublisherDoesIsTheSamePacketAsTheBuilders() {
        for (int version : new int[]{4, 5}) {
            for (int qos = 0; qos <= 2; qos++) {
                MqttCodec.PublishTemplate t = MqttCodec.publish(version, "bench/x/in/3", qos, 64);
                byte[] packet = t.bytes().clone();
                ByteBuffer b = ByteBuffer.wrap(packet);
                if (qos > 0) {
                    b.putShort(t.packetIdOffset(), (short) 513);
                }
                b.putInt(t.payloadOffset(), 3).putLong(t.payloadOffset() + 4, 77L).putLong(t.payloadOffset() + 12, 123456789L);
                byte[] payload = Arrays.copyOfRange(packet, t.payloadOffset(), packet.length);
                assertThat(payload).hasSize(64);
                assertThat(ByteBuffer.wrap(payload).getInt(0)).isEqualTo(3);
                assertThat(ByteBuffer.wrap(payload).getLong(4)).isEqualTo(77L);
                assertThat(ByteBuffer.wrap(payload).getLong(12)).isEqualTo(123456789L);
                assertThat(new String(payload, 20, 44, StandardCharsets.US_ASCII)).isEqualTo("x".repeat(44));
                assertThat(packet).as("v%d qos %d", version, qos)
                    .isEqualTo(Packets.publish(version, "bench/x/in/3", qos, false, false, 513, Props.none(), payload));
            }
        }
    }

    @Test
    void largePayloadsGetAMultiByteRemainingLength() {
        MqttCodec.PublishTemplate t = MqttCodec.publish(4, "t", 1, 20_000);
        assertThat(t.bytes()[1] & 0x80).isNotZero();
        assertThat(t.length()).isEqualTo(1 + 3 + 2 + 1 + 2 + 20_000);
    }

    @Test
    void aPayloadTooSmallForTheBenchHeaderIsRefused() {
        assertThatThrownBy(() -> MqttCodec.publish(4, "t", 0, 19)).hasMessageContaining("at least 20");
    }

    @Test
    void acksCarryTheirFixedHeaderFlags() {
        assertThat(MqttCodec.ackHeader(MqttCodec.PUBACK)).isEqualTo(Packets.puback(1)[0] & 0xFF);
        assertThat(MqttCodec.ackHeader(MqttCodec.PUBREL)).isEqualTo(Packets.pubrel(1)[0] & 0xFF);
        assertThat(MqttCodec.ackHeader(MqttCodec.PUBCOMP)).isEqualTo(Packets.pubcomp(1)[0] & 0xFF);
        assertThat(MqttCodec.ackHeader(MqttCodec.PUBREC)).isEqualTo(Packets.pubrec(1)[0] & 0xFF);
    }

    @Test
    void receiveMaximumIsFoundAmongOtherConnackProperties() {
        byte[] props = Props.of().u32(Props.SESSION_EXPIRY_INTERVAL, 60).string(Props.ASSIGNED_CLIENT_IDENTIFIER, "abc")
            .user("k", "v").u16(Props.RECEIVE_MAXIMUM, 10).u8(Props.MAXIMUM_QOS, 1).build();
        ByteBuffer b = ByteBuffer.wrap(props);
        assertThat(MqttCodec.receiveMaximum(b, 0, props.length)).isEqualTo(10);
        assertThat(MqttCodec.skipProperties(b, 0)).isEqualTo(props.length);
        byte[] none = Props.of().u16(Props.TOPIC_ALIAS_MAXIMUM, 5).build();
        assertThat(MqttCodec.receiveMaximum(ByteBuffer.wrap(none), 0, none.length)).isEqualTo(-1);
    }
}
