package dev.tern.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A byte-exact MQTT client over a plain socket: sends exactly the bytes a test gives it and reads
 * back whole packets, so a test can assert the broker's reply to the byte.
 */
public final class RawClient implements AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean v5;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public static RawClient connect(int port) {
        try {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            return new RawClient(s);
        } catch (IOException e) {
            throw new AssertionError("cannot connect to 127.0.0.1:" + port, e);
        }
    }

    /** Tells the parser that properties follow the MQTT 5 layout (set automatically by {@link #connectV5}). */
    public RawClient v5(boolean v5) {
        this.v5 = v5;
        return this;
    }

    public RawClient send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new AssertionError("send failed", e);
        }
        return this;
    }

    public RawClient send(String hex) {
        return send(Wire.hex(hex));
    }

    /** The next packet, waiting up to the default timeout. */
    public Received receive() {
        return receive(DEFAULT_TIMEOUT);
    }

    public Received receive(Duration timeout) {
        Received r = tryReceive(timeout);
        if (r == null) {
            throw new AssertionError("connection closed while waiting for a packet");
        }
        return r;
    }

    /** The next packet, or null when the connection closed; fails on timeout. */
    public Received tryReceive(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            int first = in.read();
            if (first < 0) {
                return null;
            }
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            raw.write(first);
            int len = 0;
            int shift = 0;
            int d;
            do {
                d = in.read();
                if (d < 0) {
                    return null;
                }
                raw.write(d);
                len |= (d & 0x7F) << shift;
                shift += 7;
            } while ((d & 0x80) != 0);
            int headerLength = raw.size();
            raw.write(in.readNBytes(len));
            return new Received(raw.toByteArray(), headerLength, v5);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no packet within " + timeout.toMillis() + " ms");
        } catch (SocketException e) {
            return null; // reset by the broker
        } catch (IOException e) {
            throw new AssertionError("read failed", e);
        }
    }

    /** Reads the next packet and checks its type. */
    public Received expect(int type) {
        Received r = receive();
        if (r.type() != type) {
            throw new AssertionError("expected packet type " + type + " but got " + r);
        }
        return r;
    }

    /** Asserts that the broker closes the connection (after any packets it sends first, which are returned). */
    public java.util.List<Received> expectClosed() {
        return expectClosed(DEFAULT_TIMEOUT);
    }

    public java.util.List<Received> expectClosed(Duration timeout) {
        java.util.List<Received> before = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("connection still open after " + timeout.toMillis() + " ms; got " + before);
            }
            Received r;
            try {
                r = tryReceive(Duration.ofNanos(Math.max(left, 1_000_000)));
            } catch (AssertionError timeoutError) {
                throw new AssertionError("connection still open after " + timeout.toMillis() + " ms; got " + before);
            }
            if (r == null) {
                return before;
            }
            before.add(r);
        }
    }

    /** Asserts that nothing arrives for the given time. */
    public void expectNothing(Duration quiet) {
        try {
            socket.setSoTimeout((int) quiet.toMillis());
            int b = in.read();
            if (b >= 0) {
                throw new AssertionError("expected silence but a packet arrived, first byte " + Integer.toHexString(b));
            }
            throw new AssertionError("expected silence but the connection closed");
        } catch (SocketTimeoutException e) {
            // silence, as expected
        } catch (IOException e) {
            throw new AssertionError("expected silence but the connection failed: " + e);
        }
    }

    /** Sends CONNECT for MQTT 3.1.1 with a clean session and expects CONNACK 0. */
    public Received.ConnAck connectV311(String clientId) {
        send(Packets.connect(Packets.V311, clientId).build());
        Received.ConnAck ack = expect(Received.CONNACK).connack();
        if (ack.reasonCode() != 0) {
            throw new AssertionError("CONNACK refused: " + ack);
        }
        return ack;
    }

    /** Sends CONNECT for MQTT 5 with clean start and expects CONNACK 0. */
    public Received.ConnAck connectV5(String clientId) {
        return connect(Packets.connect(Packets.V5, clientId));
    }

    public Received.ConnAck connect(Packets.Connect connect) {
        v5 = connect.version() == Packets.V5;
        send(connect.build());
        Received.ConnAck ack = expect(Received.CONNACK).connack();
        if (ack.reasonCode() != 0) {
            throw new AssertionError("CONNACK refused: " + ack);
        }
        return ack;
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    /** Drops the TCP connection without DISCONNECT (an abnormal end, which triggers the will). */
    public void drop() {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // closing anyway
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
