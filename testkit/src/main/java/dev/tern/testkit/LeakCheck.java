package dev.tern.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * Turns a Netty buffer leak into a test failure. Registered for every test class through
 * {@code junit.jupiter.extensions.autodetection.enabled} (see junit-platform.properties), with the
 * test JVMs running the detector at PARANOID and reporting through {@link RecordingLeakDetector}. After each test class it collects garbage and
 * allocates, which is when Netty reports unreleased buffers, and fails the class if any leaked.
 */
public final class LeakCheck implements AfterAllCallback {
    private static final List<String> LEAKS = RecordingLeakDetector.LEAKS;

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty buffer leak detected after " + context.getDisplayName() + ":\n"
                + String.join("\n----\n", leaks));
        }
    }

    /** Collects garbage, lets the detector report, and returns (and forgets) the leaks reported so far. */
    public static List<String> collectLeaks() throws InterruptedException {
        for (int i = 0; i < 3 && LEAKS.isEmpty(); i++) {
            System.gc();
            Thread.sleep(50);
            // the detector reports when tracked buffers are allocated: allocate a few
            for (int j = 0; j < 64; j++) {
                io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(16).release();
                io.netty.buffer.UnpooledByteBufAllocator.DEFAULT.directBuffer(16).release();
            }
        }
        List<String> found = List.copyOf(LEAKS);
        LEAKS.clear();
        return found;
    }
}
