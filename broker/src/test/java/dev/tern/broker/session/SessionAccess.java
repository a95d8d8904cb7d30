package dev.tern.broker.session;

import dev.tern.broker.Broker;
import io.netty.channel.EventLoop;

/** What tests of orderings between event loops need to see of a session. */
public final class SessionAccess {
    private SessionAccess() {
    }

    /** The event loop that owns the session of {@code clientId}. */
    public static EventLoop owner(Broker broker, String clientId) {
        Session s = broker.sessions().get(clientId);
        if (s == null) {
            throw new AssertionError("no session " + clientId);
        }
        return s.owner();
    }
}
