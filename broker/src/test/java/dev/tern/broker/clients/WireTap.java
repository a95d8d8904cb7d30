package dev.tern.broker.clients;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy between a real client and the broker that records every MQTT packet in both
 * directions and can sever the connections abruptly (TCP reset, no DISCONNECT), which is how a
 * test makes a real client "crash", or go silent. Clients connect to {@link #port()} instead of the broker.
 *
 * <p>Its parser is a few lines of the specification's framing and PUBLISH layout, independent of
 * the broker's code.
 */
final class WireTap implements AutoCloseable {
    /** Which way a packet travelled. */
    enum Direction { TO_BROKER, TO_CLIENT }

    /** One MQTT packet: the first byte's type and flags, and the bytes after the remaining length. */
    record Frame(Direction direction, int type, int flags, byte[] body) {
    }

    /** A PUBLISH as it was on the wire. {@code topicAlias} is 0 when there was none. */
    record WirePublish(String topic, int qos, boolean retain, boolean dup, int packetId, int topicAlias,
                       List<Integer> subscriptionIds, long messageExpiry, String payload) {
    }

    static final int PUBLISH = 3;

    private final int brokerPort;
    private final ServerSocket server;
    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile boolean frozen;

    private WireTap(int brokerPort) throws IOException {
        this.brokerPort = brokerPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "wiretap-accept");
        accept.setDaemon(true);
        accept.start();
    }

    static WireTap start(int brokerPort) {
        try {
            return new WireTap(brokerPort);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                client.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(broker);
                pump(client, broker, Direction.TO_BROKER);
                pump(broker, client, Direction.TO_CLIENT);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, Direction direction) {
        Thread t = new Thread(() -> {
            FrameParser parser = new FrameParser(direction);
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    parser.feed(buf, n); // record before forwarding, so a test that saw the effect sees the frame
                    if (!frozen) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // one side went away: the finally below takes the other down too
            } finally {
                closeQuietly(from);
                if (!frozen) {
                    closeQuietly(to);
                }
            }
        }, "wiretap-" + direction);
        t.setDaemon(true);
        t.start();
    }

    /**
     * From now on nothing passes, not even a close: each side sees a silent peer (a network that
     * stopped delivering), while the tap still records what they send.
     */
    void freeze() {
        frozen = true;
    }

    /** Resets every connection through the tap: the broker sees the network connection fail. */
    void cut() {
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0); // RST instead of FIN
            } catch (IOException ignored) {
                // already closed
            }
            closeQuietly(s);
            // remove just what was closed: a client reconnecting meanwhile must stay cuttable
            sockets.remove(s);
        }
    }

    List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** The PUBLISH packets that went one way, decoded as MQTT 5 ({@code v5}) or 3.1.1. */
    List<WirePublish> publishes(Direction direction, boolean v5) {
        List<WirePublish> out = new ArrayList<>();
        for (Frame f : frames) {
            if (f.direction() == direction && f.type() == PUBLISH) {
                out.add(decodePublish(f, v5));
            }
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    // --- parsing ----------------------------------------------------------------------------------

    private final class FrameParser {
        private final Direction direction;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        FrameParser(Direction direction) {
            this.direction = direction;
        }

        void feed(byte[] b, int n) {
            pending.write(b, 0, n);
            byte[] data = pending.toByteArray();
            int pos = 0;
            while (true) {
                if (data.length - pos < 2) {
                    break;
                }
                int remaining = 0;
                int multiplier = 1;
                int i = pos + 1;
                boolean complete = false;
                while (i < data.length && i <= pos + 4) {
                    int digit = data[i++] & 0xFF;
                    remaining += (digit & 0x7F) * multiplier;
                    multiplier *= 128;
                    if ((digit & 0x80) == 0) {
                        complete = true;
                        break;
                    }
                }
                if (!complete || data.length - i < remaining) {
                    break;
                }
                int first = data[pos] & 0xFF;
                byte[] body = new byte[remaining];
                System.arraycopy(data, i, body, 0, remaining);
                frames.add(new Frame(direction, first >>> 4, first & 0x0F, body));
                pos = i + remaining;
            }
            pending.reset();
            pending.write(data, pos, data.length - pos);
        }
    }

    static WirePublish decodePublish(Frame f, boolean v5) {
        ByteBuffer b = ByteBuffer.wrap(f.body());
        int qos = (f.flags() >> 1) & 3;
        String topic = string(b);
        int packetId = qos > 0 ? b.getShort() & 0xFFFF : 0;
        int alias = 0;
        long expiry = -1;
        List<Integer> subscriptionIds = new ArrayList<>();
        if (v5) {
            int length = varint(b);
            int end = b.position() + length;
            while (b.position() < end) {
                int id = varint(b);
                switch (id) {
                    case 0x01 -> b.get();
                    case 0x02 -> expiry = b.getInt() & 0xFFFFFFFFL;
                    case 0x23 -> alias = b.getShort() & 0xFFFF;
                    case 0x0B -> subscriptionIds.add(varint(b));
                    case 0x03, 0x08 -> string(b);
                    case 0x09 -> b.position(b.position() + (b.getShort() & 0xFFFF));
                    case 0x26 -> {
                        string(b);
                        string(b);
                    }
                    default -> throw new AssertionError("property " + id + " is not allowed in PUBLISH");
                }
            }
        }
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        return new WirePublish(topic, qos, (f.flags() & 1) == 1, (f.flags() & 8) == 8, packetId, alias,
            subscriptionIds, expiry, new String(payload, StandardCharsets.UTF_8));
    }

    private static String string(ByteBuffer b) {
        int len = b.getShort() & 0xFFFF;
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static int varint(ByteBuffer b) {
        int value = 0;
        int shift = 0;
        int digit;
        do {
            digit = b.get() & 0xFF;
            value |= (digit & 0x7F) << shift;
            shift += 7;
        } while ((digit & 0x80) != 0);
        return value;
    }
}
