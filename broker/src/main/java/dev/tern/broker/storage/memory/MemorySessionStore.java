package dev.tern.broker.storage.memory;

import dev.tern.broker.routing.Message;
import dev.tern.broker.routing.Subscription;
import dev.tern.broker.session.SessionStore;

/** {@code storage: memory}: nothing is written, nothing survives a restart, nothing waits. */
public final class MemorySessionStore implements SessionStore {
    @Override public boolean isDurable() { return false; }
    @Override public void afterDurable(DurableAction action) { action.run(true); }
    @Override public void afterDurable(long since, DurableAction action) { action.run(true); }
    @Override public long mark() { return 0; }
    @Override public boolean acceptsAdditions() { return true; }
    @Override public void flushStaged() { }
    @Override public boolean saveSession(SessionRecord record) { return true; }
    @Override public void updateSession(SessionRecord record) { }
    @Override public void deleteSession(String clientId) { }
    @Override public void saveSubscription(String clientId, Subscription subscription) { }
    @Override public void deleteSubscription(String clientId, String filter) { }
    @Override public Object enqueue(String clientId, long seq, Message message, int qos, boolean retainFlag, int[] ids) {
        return null;
    }
    @Override public void markSent(String clientId, long seq) { }
    @Override public void markReleased(String clientId, long seq) { }
    @Override public void dequeue(String clientId, long seq, Object handle) { }
    @Override public void addInboundQos2(String clientId, int packetId) { }
    @Override public void removeInboundQos2(String clientId, int packetId) { }
    @Override public Object enqueueShared(String group, String topicFilter, long seq, Message message) { return null; }
    @Override public void dequeueShared(String group, String topicFilter, long seq, Object handle) { }
    @Override public Recovered recover() { return Recovered.EMPTY; }
    @Override public void close() { }
}
