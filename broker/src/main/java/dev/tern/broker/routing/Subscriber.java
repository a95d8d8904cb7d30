package dev.tern.broker.routing;

/**
 * What the routing layer sees of a session: something a matching message can be handed to. The
 * session implements it and does the hand-off to its own event loop.
 */
public interface Subscriber {
    String clientId();

    /** True while a network connection is attached to the session. */
    boolean isOnline();

    /**
     * Hands a message to the subscriber. Callable from any thread; the subscriber takes its own
     * reference to the message if it keeps it.
     *
     * @param qos             the QoS to deliver at (already the minimum of message and subscription)
     * @param retainFlag      the RETAIN flag to send
     * @param subscriptionIds the identifiers of the matching subscriptions, or null
     */
    void deliver(Message message, int qos, boolean retainFlag, int[] subscriptionIds);
}
