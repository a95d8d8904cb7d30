package dev.tern.connectors.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on 127.0.0.1 that a test can cut: {@link #cut()} closes every open connection and
 * refuses (accepts and closes at once) new ones until {@link #restore()}. It plays the part of the
 * reference's Toxiproxy. Further controls, so that tests need no timing:
 * <ul>
 *   <li>{@link #suspend()} closes every open connection and holds new ones unanswered (accepted,
 *       nothing forwarded either way) until {@link #restore()} forwards them: a client's connect
 *       attempt stays under way for as long as the test needs;</li>
 *   <li>{@link #holdReplies()} stops forwarding what the server sends (PUBACKs, for a publisher)
 *       while the client's packets still go through, until {@link #releaseReplies()} or a cut: a
 *       client's publishes stay unacknowledged;</li>
 *   <li>{@link #publishesSent()} counts the MQTT PUBLISH packets clients sent through it, so a test
 *       sees what a client sent whatever the broker does with it (Mosquitto passes an incoming
 *       QoS 2 message on only at PUBREL, which a client sends only after the held PUBREC).</li>
 * </ul>
 * Two threads per connection; test use only.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    /** The client side of each forwarded connection that is still open. */
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger publishesSent = new AtomicInteger();
    private final Object lock = new Object();
    private final List<Socket> waiting = new ArrayList<>(); // guarded by lock
    private boolean suspended; // guarded by lock
    private boolean holding; // guarded by lock
    private volatile boolean cut;
    private volatile boolean closed;

    public TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String uri() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    /** Connections refused since the last {@link #cut()}. */
    public int refused() {
        return refused.get();
    }

    /** Connections forwarded to the target so far. */
    public int accepted() {
        return accepted.get();
    }

    /** MQTT PUBLISH packets that clients sent through the proxy so far. */
    public int publishesSent() {
        return publishesSent.get();
    }

    /** Forwarded connections still open. */
    public int openConnections() {
        return clients.size();
    }

    /** Connections held unanswered by {@link #suspend()}. */
    public int waiting() {
        synchronized (lock) {
            return waiting.size();
        }
    }

    /** Closes every connection and refuses new ones until {@link #restore()}. Discards held replies. */
    public void cut() {
        refused.set(0);
        cut = true;
        closeOpen();
    }

    /** Closes every connection and holds new ones, unanswered, until {@link #restore()}. */
    public void suspend() {
        synchronized (lock) {
            suspended = true;
        }
        closeOpen();
    }

    /** Accepts connections again, and forwards those that {@link #suspend()} held. */
    public void restore() {
        cut = false;
        synchronized (lock) {
            suspended = false;
            for (Socket client : waiting) {
                forward(client);
            }
            waiting.clear();
        }
    }

    /** From now on, bytes from the target are held (not read further) instead of forwarded to the client. */
    public void holdReplies() {
        synchronized (lock) {
            holding = true;
        }
    }

    /** Forwards what was held, and everything after it. */
    public void releaseReplies() {
        synchronized (lock) {
            holding = false;
            lock.notifyAll();
        }
    }

    private void closeOpen() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
        releaseReplies(); // after the close: what was held goes nowhere
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (cut) {
                    refused.incrementAndGet();
                    closeQuietly(client);
                    continue;
                }
                synchronized (lock) {
                    if (suspended) {
                        waiting.add(client);
                        continue;
                    }
                }
                forward(client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void forward(Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        open.add(client);
        open.add(upstream);
        clients.add(client);
        accepted.incrementAndGet();
        pump(client, upstream, false);
        pump(upstream, client, true);
    }

    private void pump(Socket from, Socket to, boolean replies) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            PacketCounter requests = new PacketCounter();
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (replies) {
                        awaitNotHolding();
                    } else {
                        requests.feed(buf, n);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the other side or cut() closed it
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
                clients.remove(from);
                clients.remove(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private void awaitNotHolding() throws IOException {
        synchronized (lock) {
            while (holding) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while holding replies", e);
                }
            }
        }
    }

    /**
     * Follows the MQTT packets of one client-to-server stream by their fixed headers (packet type
     * in the high nibble of the first byte, then the Remaining Length as a variable byte integer,
     * MQTT 5 section 2.1) and counts the PUBLISH packets (type 3).
     */
    private final class PacketCounter {
        private static final int HEADER = 0;
        private static final int LENGTH = 1;
        private static final int BODY = 2;
        private int state = HEADER;
        private int type;
        private long remaining;
        private long multiplier;

        void feed(byte[] b, int len) {
            int i = 0;
            while (i < len) {
                if (state == HEADER) {
                    type = (b[i++] & 0xF0) >> 4;
                    remaining = 0;
                    multiplier = 1;
                    state = LENGTH;
                } else if (state == LENGTH) {
                    int d = b[i++] & 0xFF;
                    remaining += (d & 0x7F) * multiplier;
                    multiplier *= 128;
                    if ((d & 0x80) == 0) {
                        if (type == 3) {
                            publishesSent.incrementAndGet();
                        }
                        state = remaining == 0 ? HEADER : BODY;
                    }
                } else {
                    int skip = (int) Math.min(remaining, len - i);
                    i += skip;
                    remaining -= skip;
                    if (remaining == 0) {
                        state = HEADER;
                    }
                }
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        cut();
        synchronized (lock) {
            waiting.forEach(TcpProxy::closeQuietly);
            waiting.clear();
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
