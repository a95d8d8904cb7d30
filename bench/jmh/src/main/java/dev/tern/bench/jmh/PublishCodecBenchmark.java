package dev.tern.bench.jmh;

import dev.tern.broker.protocol.MqttVersion;
import dev.tern.broker.protocol.Packet;
import dev.tern.broker.protocol.PacketDecoder;
import dev.tern.broker.protocol.PacketEncoder;
import dev.tern.broker.protocol.Properties;
import dev.tern.broker.protocol.PublishPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
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

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Decoding an inbound PUBLISH body (with every check the broker makes) and encoding an outbound
 * PUBLISH (header written, payload copied), at MQTT 3.1.1 and 5, 64-byte payload.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PublishCodecBenchmark {
    private static final String TOPIC = "tenant/42/device/1234/telemetry";

    @Param({"MQTT_3_1_1", "MQTT_5"})
    MqttVersion version;

    @Param({"1"})
    int qos;

    private ByteBuf body;
    private int header;
    private ByteBuf payload;
    private PacketEncoder.PublishHeader outbound;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] topic = TOPIC.getBytes(StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.directBuffer();
        b.writeShort(topic.length).writeBytes(topic);
        if (qos > 0) {
            b.writeShort(17);
        }
        if (version.isV5()) {
            b.writeByte(0); // no properties
        }
        b.writeBytes(new byte[64]);
        body = b;
        header = 0x30 | (qos << 1);
        payload = Unpooled.directBuffer(64).writeBytes(new byte[64]);
        outbound = new PacketEncoder.PublishHeader(topic, qos, false, false, 17, 0, -1, null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        body.release();
        payload.release();
    }

    @Benchmark
    public int decodePublish() {
        body.readerIndex(0);
        Packet p = PacketDecoder.INSTANCE.decode(header, body, version);
        PublishPacket publish = (PublishPacket) p;
        int n = publish.payload().readableBytes();
        publish.payload().release();
        return n;
    }

    @Benchmark
    public int encodePublish() {
        ByteBuf out = PacketEncoder.publish(alloc, version.isV5(), outbound, Properties.EMPTY, payload, payload.readableBytes());
        int n = out.readableBytes();
        out.release();
        return n;
    }
}
