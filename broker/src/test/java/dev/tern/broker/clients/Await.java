package dev.tern.broker.clients;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import java.time.Duration;

/**
 * Awaitility as these tests use it: the first check at once and then every 10 ms. Awaitility's
 * defaults (100 ms before the first check, then every 100 ms) would add a tenth of a second to
 * each of the several hundred waits in this package.
 */
final class Await {
    private Await() {
    }

    static ConditionFactory await() {
        return Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }
}
