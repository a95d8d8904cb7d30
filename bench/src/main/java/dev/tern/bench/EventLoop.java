package dev.tern.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The generator's single thread: one selector for every client, publishers pumped after each
 * batch of reads, every dirty client flushed once per turn (one write system call per client per
 * turn, however many packets it holds). Scenarios drive it with {@link #runUntil}.
 *
 * <p>It blocks in the selector while it waits for the broker; at a fixed rate it polls without
 * blocking when the next PUBLISH is due in less than a millisecond, so the send times stay exact.
 */
final class EventLoop implements AutoCloseable {
    private static final long HOUSEKEEPING_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Selector selector;
    private final InetSocketAddress remote;
    private final int version;
    final Counters counters = new Counters();
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    /** At a fixed rate: how late the generator itself wrote each PUBLISH after its due time (µs). */
    final Histogram sendDelay = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    private Histogram connectLatency;
    boolean recording;
    private boolean publishing;
    private final List<Publisher> publishers = new ArrayList<>();
    private final List<Client> clients = new ArrayList<>();
    private final ArrayDeque<Client> dirty = new ArrayDeque<>();
    private final ArrayDeque<Client> connectQueue = new ArrayDeque<>();
    private int maxPending = Integer.MAX_VALUE;
    private int pending;
    private boolean failFast = true;
    private long keepAliveNanos;
    private long nextHousekeeping;
    private long nextPing;
    int connected;
    int subscribed;
    int closed;
    int failed;
    private String firstFailure;
    long firstConnectStartNanos;
    long lastConnackNanos;
    long lastReceiveNanos;

    /**
     * @param version 4 (MQTT 3.1.1) or 5
     */
    EventLoop(InetSocketAddress remote, int version) throws IOException {
        this.selector = Selector.open();
        this.remote = remote;
        this.version = version;
    }

    Selector selector() {
        return selector;
    }

    int version() {
        return version;
    }

    List<Publisher> publishers() {
        return publishers;
    }

    List<Client> clients() {
        return Collections.unmodifiableList(clients);
    }

    /** A failure of any client ends the run (throughput scenarios), or is only counted (connection scenarios). */
    void failFast(boolean failFast) {
        this.failFast = failFast;
    }

    /** At most this many connections may be between socket connect and CONNACK at once. */
    void maxPending(int maxPending) {
        this.maxPending = maxPending;
    }

    /** Records the time from socket connect to CONNACK of every client connected from now on. */
    void recordConnectLatency(Histogram h) {
        this.connectLatency = h;
    }

    /** Sends PINGREQ on connections that wrote nothing for half this interval (0: never). */
    void keepAlive(int seconds) {
        this.keepAliveNanos = TimeUnit.SECONDS.toNanos(seconds);
    }

    void add(Publisher p) {
        if (p.index != publishers.size()) {
            throw new IllegalArgumentException("publishers are added in index order");
        }
        publishers.add(p);
    }

    /** Queues a client to connect; connects start as {@link #maxPending} allows. */
    void connect(Client c) {
        if (firstConnectStartNanos == 0) {
            firstConnectStartNanos = System.nanoTime();
        }
        clients.add(c);
        connectQueue.add(c);
    }

    /** Starts publishing; with a fixed rate the publishers' schedules are staggered over one interval. */
    void startPublishing(long intervalNanos) {
        long now = System.nanoTime();
        int n = publishers.size();
        for (Publisher p : publishers) {
            p.schedule(now, n == 0 ? 0 : intervalNanos * p.index / n);
        }
        publishing = true;
    }

    void stopPublishing() {
        publishing = false;
    }

    /**
     * Runs the loop until {@code done} is true (returns true) or the deadline passes (returns false).
     *
     * @throws BenchException when a client failed and the loop fails fast
     */
    boolean runUntil(BooleanSupplier done, long deadlineNanos) throws IOException {
        while (true) {
            if (failFast && firstFailure != null) {
                throw new BenchException(firstFailure);
            }
            if (done.getAsBoolean()) {
                return true;
            }
            long now = System.nanoTime();
            if (now - deadlineNanos >= 0) {
                return false;
            }
            startConnects();
            long wait = Math.min(deadlineNanos - now, nextHousekeeping - now);
            if (publishing) {
                wait = Math.min(wait, publishWait(now));
            }
            int ready;
            if (wait < TimeUnit.MILLISECONDS.toNanos(1)) {
                ready = selector.selectNow();
            } else {
                ready = selector.select(TimeUnit.NANOSECONDS.toMillis(wait));
            }
            if (ready > 0) {
                processSelected();
            }
            if (publishing) {
                long t = System.nanoTime();
                // indexed: an iterator per turn was the generator's only steady allocation (young
                // collections of several ms in the generator at a fixed rate, where the loop spins)
                for (int i = 0, n = publishers.size(); i < n; i++) {
                    publishers.get(i).pump(t, recording, counters);
                }
            }
            flushDirty();
            now = System.nanoTime();
            if (now - nextHousekeeping >= 0) {
                housekeeping(now);
            }
        }
    }

    private long publishWait(long now) {
        long wait = Long.MAX_VALUE;
        for (int i = 0, n = publishers.size(); i < n; i++) {
            wait = Math.min(wait, publishers.get(i).waitNanos(now));
            if (wait == 0) {
                return 0;
            }
        }
        return wait;
    }

    private void startConnects() {
        while (pending < maxPending && !connectQueue.isEmpty()) {
            Client c = connectQueue.poll();
            pending++;
            try {
                c.startConnect(remote);
            } catch (IOException e) {
                c.fail("connect failed: " + e.getMessage());
            }
        }
    }

    private void processSelected() {
        Set<SelectionKey> keys = selector.selectedKeys();
        for (SelectionKey k : keys) {
            Client c = (Client) k.attachment();
            try {
                if (!k.isValid()) {
                    continue;
                }
                int ops = k.readyOps();
                if ((ops & SelectionKey.OP_CONNECT) != 0) {
                    c.onConnectable();
                }
                if ((ops & SelectionKey.OP_READ) != 0 && k.isValid()) {
                    c.onReadable();
                }
                if ((ops & SelectionKey.OP_WRITE) != 0 && k.isValid()) {
                    c.onWritable();
                }
            } catch (IOException e) {
                c.fail(e.getMessage() == null ? e.toString() : e.getMessage());
            } catch (CancelledKeyException e) {
                // closed while its events were being handled
            }
        }
        keys.clear();
    }

    void markDirty(Client c) {
        dirty.add(c);
    }

    private void flushDirty() {
        Client c;
        while ((c = dirty.poll()) != null) {
            if (c.dirty) {
                c.flush();
            }
        }
    }

    private void housekeeping(long now) {
        nextHousekeeping = now + HOUSEKEEPING_NANOS;
        if (publishing) {
            for (Publisher p : publishers) {
                if (p.checkStall(now, STALL_NANOS)) {
                    counters.stalls++;
                }
            }
        }
        if (keepAliveNanos > 0 && now - nextPing >= 0) {
            nextPing = now + TimeUnit.SECONDS.toNanos(1);
            for (Client c : clients) {
                if (c.isConnected() && now - c.lastWriteNanos > keepAliveNanos / 2) {
                    c.enqueue(MqttCodec.PINGREQ_PACKET);
                }
            }
            flushDirty();
        }
    }

    void onConnected(Client c) {
        connected++;
        pending--;
        long now = System.nanoTime();
        lastConnackNanos = now;
        if (connectLatency != null) {
            connectLatency.recordValue(Math.min(connectLatency.getHighestTrackableValue(),
                (now - c.connectStartNanos) / 1000));
        }
    }

    void onSubscribed(Client c) {
        subscribed++;
    }

    void onClosed(Client c) {
        closed++;
    }

    void onFailure(Client c, Client.State was, String why) {
        failed++;
        if (was == Client.State.CONNECTING || was == Client.State.CONNECT_SENT) {
            pending--;
        }
        if (firstFailure == null) {
            firstFailure = c.clientId + ": " + why;
        }
    }

    String firstFailure() {
        return firstFailure;
    }

    /**
     * Sends DISCONNECT on every connected client and waits (until the deadline) for the broker to
     * close them; what is still open then is reset.
     */
    void disconnectAll(List<Client> which, long deadlineNanos) throws IOException {
        boolean wasFailFast = failFast;
        failFast = false;
        int open = 0;
        for (Client c : which) {
            if (!c.isClosed()) {
                open++;
            }
        }
        int target = closed + open;
        for (Client c : which) {
            c.disconnect();
        }
        runUntil(() -> closed >= target, deadlineNanos);
        for (Client c : which) {
            c.close(true);
        }
        failFast = wasFailFast;
    }

    /** Closes every client with a TCP reset (no DISCONNECT, no TIME_WAIT). */
    void resetAll() {
        for (Client c : clients) {
            c.close(true);
        }
        connectQueue.clear();
    }

    @Override
    public void close() throws IOException {
        resetAll();
        selector.close();
    }
}
