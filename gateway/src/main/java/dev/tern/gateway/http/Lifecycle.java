package dev.tern.gateway.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's stop signal: long-lived exchanges (SSE streams, WebSockets) register what to do on
 * stop (the reference's "stop message": WebSocket close 1013, HTTP 503 with Connection: close).
 */
public final class Lifecycle {
    private final Set<Runnable> onStop = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    public boolean stopping() {
        return stopping;
    }

    public void register(Runnable r) {
        onStop.add(r);
    }

    public void unregister(Runnable r) {
        onStop.remove(r);
    }

    /** Marks the gateway stopping and runs every registered action once. */
    public void stop() {
        stopping = true;
        List<Runnable> all = new ArrayList<>(onStop);
        onStop.clear();
        all.forEach(Runnable::run);
    }

    /** Open long-lived exchanges (for tests and status). */
    public int open() {
        return onStop.size();
    }
}
