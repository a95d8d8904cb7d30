package dev.tern.coap;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.network.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The bridge's Observe (RFC 7641) on one resource of one device, kept alive for as long as the
 * registry lists it:
 * <ul>
 *   <li>REGISTERING: a GET with Observe: 0 is on its way;</li>
 *   <li>ACTIVE: the device answered with an Observe option; each notification is forwarded.
 *       Californium re-registers by itself when a notification's Max-Age (plus the configured
 *       backoff) passes without a fresher one (RFC 7641 §3.3.1);</li>
 *   <li>WAITING: the registration failed (no answer, reset, error code, or an answer without
 *       Observe) and a new one is scheduled after an exponential backoff with jitter;</li>
 *   <li>STOPPED: removed from the registry or the bridge is closing.</li>
 * </ul>
 * Threading: every method, and the Californium callbacks (the client runs them on the same
 * executor), runs on the bridge's single scheduler thread, so no field needs a lock.
 */
final class Observation {
    enum State { REGISTERING, ACTIVE, WAITING, STOPPED }

    private static final Logger LOG = LoggerFactory.getLogger(Observation.class);

    private final String resource;
    private final Endpoint endpoint;
    private final ScheduledThreadPoolExecutor executor;
    private final Forwarder forwarder;
    private final BridgeMetrics metrics;
    private final CoapBridgeConfig config;
    private final Clock clock;

    private Device device;
    private State state = State.STOPPED;
    private Attempt attempt;
    private CoapObserveRelation relation;
    private ScheduledFuture<?> retry;
    private int failures;
    private long lastHeardMillis;

    Observation(Device device, String resource, Endpoint endpoint, ScheduledThreadPoolExecutor executor, Forwarder forwarder,
                BridgeMetrics metrics, CoapBridgeConfig config, Clock clock) {
        this.device = device;
        this.resource = resource;
        this.endpoint = endpoint;
        this.executor = executor;
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
    }

    State state() {
        return state;
    }

    Device device() {
        return device;
    }

    long lastHeardMillis() {
        return lastHeardMillis;
    }

    /** Tenant or per-resource QoS changed, address unchanged: later messages use the new values. */
    void update(Device d) {
        this.device = d;
    }

    /** Registers now. */
    void start() {
        cancelCurrent();
        Attempt a = new Attempt();
        attempt = a;
        state = State.REGISTERING;
        lastHeardMillis = clock.millis();
        Request request = Request.newGet();
        try {
            request.setURI(device.address().uri());
        } catch (IllegalArgumentException e) {
            // e.g. a host name that does not resolve: try again later, the name may come back
            failed(a, e.getMessage());
            return;
        }
        request.getOptions().setUriPath(resource);
        request.setObserve();
        CoapClient client = new CoapClient();
        client.setEndpoint(endpoint);
        client.setExecutors(executor, executor, true);
        relation = client.observe(request, a);
    }

    /** Drops the current registration and registers again at once (silence, or a new address). */
    void restart(Device d, String reason) {
        this.device = d;
        LOG.info("coap-bridge: re-registering observe on {} of device {} ({})", resource, device.id(), reason);
        metrics.reregistration(reason);
        failures = 0;
        start();
    }

    void stop() {
        cancelCurrent();
        state = State.STOPPED;
    }

    /** Forgets the relation (RFC 7641 §3.6: the device's next notification gets a Reset) and any scheduled retry. */
    private void cancelCurrent() {
        if (state == State.ACTIVE) {
            metrics.activeObservations().decrementAndGet();
        }
        attempt = null;
        if (relation != null) {
            relation.reactiveCancel();
            relation = null;
        }
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
    }

    private void loaded(Attempt a, CoapResponse response) {
        if (a != attempt) {
            return; // a late answer to a registration we dropped
        }
        if (!response.isSuccess()) {
            failed(a, "the device answered " + response.getCode() + " " + response.getCode().name());
            return;
        }
        lastHeardMillis = clock.millis();
        boolean observing = response.getOptions().hasObserve();
        if (observing && state != State.ACTIVE) {
            state = State.ACTIVE;
            metrics.activeObservations().incrementAndGet();
            if (failures > 0) {
                LOG.info("coap-bridge: observing {} of device {} at {} again after {} failed tries", resource, device.id(),
                    device.address(), failures);
            } else {
                LOG.debug("observing {} of device {} at {}", resource, device.id(), device.address());
            }
            failures = 0;
        }
        forwarder.forward(device, resource, response.getPayload(), response.getOptions().getContentFormat(), false);
        if (!observing) {
            // RFC 7641 §3.1: a response without Observe means the device did not register us.
            failed(a, "the device answered without an Observe option (it does not accept observers on this resource)");
        }
    }

    private void failed(Attempt a, String why) {
        if (a != attempt) {
            return;
        }
        cancelCurrent();
        failures++;
        metrics.failure(BridgeMetrics.Failure.OBSERVE);
        long delay = backoff(failures);
        state = State.WAITING;
        if (failures == 1) {
            LOG.warn("coap-bridge: observe on {} of device {} at {} failed: {}; retrying in {} ms (then backing off)",
                resource, device.id(), device.address(), why, delay);
        } else {
            LOG.debug("observe on {} of device {} failed again ({} tries): {}; retrying in {} ms", resource, device.id(),
                failures, why, delay);
        }
        retry = executor.schedule(() -> {
            retry = null;
            metrics.reregistration("retry");
            start();
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** initial * 2^(n-1), capped, with +-20 % jitter so devices that failed together do not retry together. */
    private long backoff(int n) {
        long initial = config.retryInitialDelay().toMillis();
        long max = config.retryMaxDelay().toMillis();
        long d = n >= 31 ? max : Math.min(max, initial << Math.min(n - 1, 30));
        long jitter = (long) (d * 0.2);
        return Math.max(1, d - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1));
    }

    /** The handler of one registration; callbacks of a dropped one are ignored. */
    private final class Attempt implements CoapHandler {
        @Override
        public void onLoad(CoapResponse response) {
            loaded(this, response);
        }

        @Override
        public void onError() {
            failed(this, "no answer (timeout) or a Reset");
        }
    }
}
