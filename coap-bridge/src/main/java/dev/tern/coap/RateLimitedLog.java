package dev.tern.coap;

import org.slf4j.Logger;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Logs a repeated problem at most once per interval per kind, with how many were not logged, so a
 * flood of bad datagrams or an unreachable broker cannot flood the log.
 */
final class RateLimitedLog {
    private final Logger log;
    private final Clock clock;
    private final long intervalMillis;
    private final ConcurrentMap<String, AtomicLong> last = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicLong> suppressed = new ConcurrentHashMap<>();

    RateLimitedLog(Logger log, Clock clock, long intervalMillis) {
        this.log = log;
        this.clock = clock;
        this.intervalMillis = intervalMillis;
    }

    void warn(String kind, Supplier<String> message) {
        if (!log.isWarnEnabled()) {
            return;
        }
        long now = clock.millis();
        AtomicLong at = last.computeIfAbsent(kind, k -> new AtomicLong(Long.MIN_VALUE));
        long previous = at.get();
        if (previous != Long.MIN_VALUE && now - previous < intervalMillis || !at.compareAndSet(previous, now)) {
            suppressed.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
            return;
        }
        long skipped = suppressed.computeIfAbsent(kind, k -> new AtomicLong()).getAndSet(0);
        log.warn(skipped == 0 ? message.get() : message.get() + " (" + skipped + " more like this not logged)");
    }
}
