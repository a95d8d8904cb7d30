package dev.tern.broker.session;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.metrics.BrokerMetrics;
import dev.tern.broker.routing.Router;
import dev.tern.broker.routing.SubscriptionTree;

import java.time.Clock;

/** The broker services every session uses, built once by the broker. */
public record SessionServices(MqttConfig config, Clock clock, BrokerMetrics metrics, Router router,
                              SubscriptionTree subscriptions, SessionStore store) {
}
