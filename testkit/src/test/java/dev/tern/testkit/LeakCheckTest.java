package dev.tern.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LeakCheckTest {
    @Test
    void anUnreleasedBufferIsReported() throws Exception {
        leakOne();
        assertThat(LeakCheck.collectLeaks()).isNotEmpty();
    }

    @Test
    void releasedBuffersAreNotReported() throws Exception {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(32).writeInt(1);
        b.release();
        assertThat(LeakCheck.collectLeaks()).isEmpty();
    }

    private static void leakOne() {
        PooledByteBufAllocator.DEFAULT.buffer(32).writeInt(42);
    }
}
