package dev.tern.bench.jmh;

import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Subscriber;

/** A session stand-in that counts what it is handed (the hand-off to an event loop is not measured here). */
final class CountingSubscriber implements Subscriber {
    private final String clientId;
    long delivered;

    CountingSubscriber(String clientId) {
        this.clientId = clientId;
    }

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public boolean isOnline() {
        return true;
    }

    @Override
    public void deliver(Message message, int qos, boolean retainFlag, int[] subscriptionIds) {
        delivered++;
    }
}
