package dev.tern.broker.protocol;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The connect timeout and keep-alive clock of one event loop's connections: one periodic task per
 * loop looks at every connection registered on it, every {@link #TICK_MILLIS} ms, instead of a
 * scheduled task per connection (a 64-byte task and a lambda per connection, made again every
 * keep-alive period, and an entry in the loop's task queue). A connection times out at most one
 * tick late, never early.
 *
 * <p>Threading: {@link #add}, {@link #remove} and the tick run on the event loop only.
 */
final class ConnectionTimers implements Runnable {
    /** How often the connections are looked at. */
    static final long TICK_MILLIS = 100;
    private static final int INITIAL = 16;

    private final EventLoop loop;
    private MqttConnection[] connections = new MqttConnection[INITIAL];
    private int size;
    private ScheduledFuture<?> task;

    private ConnectionTimers(EventLoop loop) {
        this.loop = loop;
    }

    /** Starts looking at {@code c} (no-op when it is already registered). */
    void add(MqttConnection c) {
        if (c.timerSlot >= 0) {
            return;
        }
        if (size == connections.length) {
            connections = Arrays.copyOf(connections, size * 2);
        }
        c.timerSlot = size;
        connections[size++] = c;
        if (task == null) {
            task = loop.scheduleAtFixedRate(this, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Stops looking at {@code c} (no-op when it is not registered). */
    void remove(MqttConnection c) {
        int i = c.timerSlot;
        if (i < 0) {
            return;
        }
        MqttConnection last = connections[--size];
        connections[i] = last;
        last.timerSlot = i;
        connections[size] = null;
        c.timerSlot = -1;
        if (size == 0) {
            task.cancel(false);
            task = null;
        }
        if (connections.length > INITIAL && size < connections.length / 4) {
            connections = Arrays.copyOf(connections, connections.length / 2);
        }
    }

    /** Connections registered now. */
    int size() {
        return size;
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        // downwards: a connection that removes itself swaps in one already looked at
        for (int i = size - 1; i >= 0; i--) {
            if (i < size) {
                connections[i].checkTimers(now);
            }
        }
    }

    /** One {@link ConnectionTimers} per event loop, made on first use. */
    static final class PerLoop {
        private final ConcurrentHashMap<EventLoop, ConnectionTimers> timers = new ConcurrentHashMap<>();

        ConnectionTimers of(EventLoop loop) {
            ConnectionTimers t = timers.get(loop);
            return t != null ? t : timers.computeIfAbsent(loop, ConnectionTimers::new);
        }
    }
}
