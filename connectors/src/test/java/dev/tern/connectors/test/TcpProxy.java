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
 * reference's Toxiproxy. {@link #suspend()} closes every open connection and holds new ones
 * unanswered (accepted, nothing forwarded either way) until {@link #restore()} forwards them: a
 * client's connect attempt stays under way for as long as the test needs, without timing.
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
    private final Object lock = new Object();
    private final List<Socket> waiting = new ArrayList<>(); // guarded by lock
    private boolean suspended; // guarded by lock
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

    /** Closes every connection and refuses new ones until {@link #restore()}. */
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

    private void closeOpen() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
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
        pump(client, upstream);
        pump(upstream, client);
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
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
