package dev.tern.broker.protocol;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.metrics.BrokerMetrics;
import dev.tern.broker.routing.Router;
import dev.tern.broker.session.SessionRegistry;
import dev.tern.broker.session.SessionStore;

import java.time.Clock;

/** What the packet handlers need of the broker, built once by the broker's wiring. */
public record ProtocolServices(MqttConfig config, SessionRegistry sessions, Router router, BrokerMetrics metrics,
                               Clock clock, SessionStore store, ConnectionTimers.PerLoop timers) {

    public ProtocolServices(MqttConfig config, SessionRegistry sessions, Router router, BrokerMetrics metrics,
                            Clock clock, SessionStore store) {
        this(config, sessions, router, metrics, clock, store, new ConnectionTimers.PerLoop());
    }
}
