package dev.tern.connectors.internal;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The source's bounded buffer between the MQTT client (which pushes on its event loop) and the Jet
 * processor (which polls on its own thread). It never asks the client for more messages than it
 * has room for, so it holds at most {@code capacity} messages. The source sizes it to the Receive
 * Maximum it sends in CONNECT and acknowledges a QoS 1/2 message only once Jet has taken it (or
 * once the snapshot covering it completed), so the broker, which may not have more than Receive
 * Maximum messages unacknowledged towards the client [MQTT-3.3.4-9], stops sending when Jet is
 * slow and queues further messages in the session. That is the whole back-pressure chain: no
 * unbounded queue anywhere on this side.
 *
 * <p>It never cancels its subscription: the HiveMQ client acknowledges by itself every QoS 1/2
 * message that no live flow takes, which would acknowledge messages no snapshot covers (the source
 * disconnects instead, see {@link StreamMqttSourceP#close()}).
 *
 * <p>Threading: {@code onXxx} run on the client's event loop; {@link #poll()} and {@link #replenish()}
 * only on the processor's thread, so demand is signalled serially as Reactive Streams requires (§2.7).
 */
public final class Inbound implements Subscriber<Received> {
    private final int capacity;
    private final ConcurrentLinkedQueue<Received> queue = new ConcurrentLinkedQueue<>();
    private volatile Subscription subscription;
    private volatile Throwable error;
    private long consumed;

    public Inbound(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
    }

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
        s.request(capacity);
    }

    @Override
    public void onNext(Received received) {
        queue.offer(received);
    }

    @Override
    public void onError(Throwable t) {
        error = t;
    }

    @Override
    public void onComplete() {
        // the client completes its publish flows only when it is shut down: nothing to do
    }

    /** The next buffered message, or null. */
    public Received poll() {
        Received r = queue.poll();
        if (r != null) {
            consumed++;
        }
        return r;
    }

    /** Asks the client for as many messages as were taken out since the last call. */
    public void replenish() {
        Subscription s = subscription;
        if (consumed > 0 && s != null) {
            s.request(consumed);
            consumed = 0;
        }
    }

    /** An error the client's flow ended with, or null. */
    public Throwable error() {
        return error;
    }

    public int size() {
        return queue.size();
    }
}
