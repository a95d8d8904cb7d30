package dev.tern.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One MQTT client connection of the load generator: a non-blocking socket, an input buffer parsed
 * in place (no per-packet objects) and an output buffer that collects packets until the loop
 * flushes it with one write. A client publishes when it has a {@link Publisher}, receives when it
 * has a {@link Receiver}.
 *
 * <p>Threading: touched only by its {@link EventLoop}'s thread.
 */
final class Client {
    enum State { NEW, CONNECTING, CONNECT_SENT, CONNECTED, DISCONNECTING, CLOSED }

    final EventLoop loop;
    final String clientId;
    private final byte[] connectPacket;
    private final InetAddress source;
    private final int bufferSize;
    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer in;
    ByteBuffer out;
    State state = State.NEW;
    boolean dirty;
    boolean writeBlocked;
    long connectStartNanos;
    long lastWriteNanos;
    boolean sessionPresent;
    int receiveMaximum = 65535;
    String subscribeFilter;
    int subscribeQos;
    boolean subscribed;
    Publisher publisher;
    Receiver receiver;

    /**
     * @param bufferSize size of the input and output buffers: large and direct for clients that
     *                   move messages, small and on the heap for idle ones
     */
    Client(EventLoop loop, String clientId, byte[] connectPacket, InetAddress source, int bufferSize) {
        this.loop = loop;
        this.clientId = clientId;
        this.connectPacket = connectPacket;
        this.source = source;
        this.bufferSize = bufferSize;
    }

    boolean isConnected() {
        return state == State.CONNECTED;
    }

    boolean isClosed() {
        return state == State.CLOSED;
    }

    void startConnect(SocketAddress remote) throws IOException {
        connectStartNanos = System.nanoTime();
        state = State.CONNECTING;
        boolean large = bufferSize > 4096;
        in = large ? ByteBuffer.allocateDirect(bufferSize) : ByteBuffer.allocate(bufferSize);
        out = large ? ByteBuffer.allocateDirect(bufferSize) : ByteBuffer.allocate(Math.max(256, bufferSize / 2));
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (source != null) {
            // many connections from one address exhaust its ephemeral ports: spread them over 127.0.0.x
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(source, 0));
        }
        boolean connected = channel.connect(remote);
        key = channel.register(loop.selector(), connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
        if (connected) {
            sendConnect();
        }
    }

    void onConnectable() throws IOException {
        if (channel.finishConnect()) {
            key.interestOps(SelectionKey.OP_READ);
            sendConnect();
        }
    }

    private void sendConnect() {
        state = State.CONNECT_SENT;
        enqueue(connectPacket);
    }

    void onReadable() throws IOException {
        int n = channel.read(in);
        if (n < 0) {
            peerClosed();
            return;
        }
        if (n == 0) {
            return;
        }
        in.flip();
        int needed = parse();
        if (state == State.CLOSED) {
            return;
        }
        in.compact();
        if (needed > in.capacity()) {
            ByteBuffer bigger = in.isDirect() ? ByteBuffer.allocateDirect(Math.max(needed, in.capacity() * 2))
                : ByteBuffer.allocate(Math.max(needed, in.capacity() * 2));
            in.flip();
            bigger.put(in);
            in = bigger;
        }
    }

    /** Handles every complete packet in {@code in}; returns the size a partial packet needs. */
    private int parse() throws IOException {
        ByteBuffer b = in;
        int limit = b.limit();
        int pos = b.position();
        int needed = 0;
        while (limit - pos >= 2) {
            int header = b.get(pos) & 0xFF;
            int length = 0;
            int shift = 0;
            int i = pos + 1;
            boolean complete = false;
            while (i < limit) {
                int digit = b.get(i++) & 0xFF;
                length |= (digit & 0x7F) << shift;
                if ((digit & 0x80) == 0) {
                    complete = true;
                    break;
                }
                shift += 7;
                if (shift > 21) {
                    throw new IOException("malformed remaining length from the broker");
                }
            }
            if (!complete) {
                break;
            }
            if (limit - i < length) {
                needed = i - pos + length;
                break;
            }
            handle(header, b, i, length);
            pos = i + length;
            if (state == State.CLOSED) {
                break;
            }
        }
        b.position(pos);
        return needed;
    }

    private void handle(int header, ByteBuffer b, int off, int len) throws IOException {
        int type = header >>> 4;
        switch (type) {
            case MqttCodec.PUBLISH -> onPublish(header, b, off, len);
            case MqttCodec.PUBACK -> {
                if (publisher != null) {
                    publisher.onAck(b.getShort(off) & 0xFFFF, len > 2 ? b.get(off + 2) & 0xFF : 0);
                }
            }
            case MqttCodec.PUBREC -> {
                if (publisher != null) {
                    int id = b.getShort(off) & 0xFFFF;
                    int reason = len > 2 ? b.get(off + 2) & 0xFF : 0;
                    if (reason >= 0x80) {
                        publisher.onAck(id, reason);
                    } else {
                        putAck(MqttCodec.PUBREL, id);
                    }
                }
            }
            case MqttCodec.PUBCOMP -> {
                if (publisher != null) {
                    publisher.onAck(b.getShort(off) & 0xFFFF, len > 2 ? b.get(off + 2) & 0xFF : 0);
                }
            }
            case MqttCodec.PUBREL -> putAck(MqttCodec.PUBCOMP, b.getShort(off) & 0xFFFF);
            case MqttCodec.CONNACK -> onConnack(b, off, len);
            case MqttCodec.SUBACK -> onSuback(b, off, len);
            case MqttCodec.PINGRESP -> {
            }
            case MqttCodec.DISCONNECT -> {
                int reason = len > 0 ? b.get(off) & 0xFF : 0;
                fail("the broker sent DISCONNECT, reason code 0x" + Integer.toHexString(reason));
            }
            default -> fail("unexpected packet type " + type + " from the broker");
        }
    }

    private void onPublish(int header, ByteBuffer b, int off, int len) {
        int qos = (header >>> 1) & 3;
        int p = off;
        int topicLength = b.getShort(p) & 0xFFFF;
        p += 2 + topicLength;
        int packetId = 0;
        if (qos > 0) {
            packetId = b.getShort(p) & 0xFFFF;
            p += 2;
        }
        if (loop.version() == 5) {
            p = MqttCodec.skipProperties(b, p);
        }
        if (receiver != null) {
            receiver.onMessage(b, p, off + len - p);
        } else {
            loop.counters.foreign++;
        }
        if (qos == 1) {
            putAck(MqttCodec.PUBACK, packetId);
        } else if (qos == 2) {
            putAck(MqttCodec.PUBREC, packetId);
        }
    }

    private void onConnack(ByteBuffer b, int off, int len) {
        if (state != State.CONNECT_SENT) {
            fail("CONNACK out of place");
            return;
        }
        int flags = b.get(off) & 0xFF;
        int code = b.get(off + 1) & 0xFF;
        if (code != 0) {
            fail("connection refused: CONNACK return code 0x" + Integer.toHexString(code));
            return;
        }
        sessionPresent = (flags & 1) != 0;
        if (loop.version() == 5 && len > 2) {
            int max = MqttCodec.receiveMaximum(b, off + 2, off + len);
            if (max > 0) {
                receiveMaximum = max;
            }
        }
        state = State.CONNECTED;
        if (subscribeFilter != null && !subscribed) {
            enqueue(MqttCodec.subscribe(loop.version(), 1, subscribeFilter, subscribeQos));
        }
        loop.onConnected(this);
    }

    private void onSuback(ByteBuffer b, int off, int len) {
        int p = off + 2;
        if (loop.version() == 5) {
            p = MqttCodec.skipProperties(b, p);
        }
        int granted = p < off + len ? b.get(p) & 0xFF : 0x80;
        if (granted >= 0x80) {
            fail("subscription to " + subscribeFilter + " refused: SUBACK 0x" + Integer.toHexString(granted));
            return;
        }
        subscribed = true;
        loop.onSubscribed(this);
    }

    void putAck(int type, int packetId) {
        if (state == State.CLOSED) {
            return;
        }
        ensureRoom(4);
        out.put((byte) MqttCodec.ackHeader(type)).put((byte) 2).putShort((short) packetId);
        markDirty();
    }

    void enqueue(byte[] packet) {
        if (state == State.CLOSED) {
            return;
        }
        ensureRoom(packet.length);
        out.put(packet);
        markDirty();
    }

    private void ensureRoom(int n) {
        if (out.remaining() >= n) {
            return;
        }
        flush();
        if (out.remaining() < n) {
            ByteBuffer bigger = out.isDirect() ? ByteBuffer.allocateDirect(Math.max(out.capacity() * 2, out.position() + n))
                : ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + n));
            out.flip();
            bigger.put(out);
            out = bigger;
        }
    }

    void markDirty() {
        if (!dirty) {
            dirty = true;
            loop.markDirty(this);
        }
    }

    /** Writes what the output buffer holds; what the socket does not take waits for OP_WRITE. */
    void flush() {
        dirty = false;
        if (state == State.CLOSED || state == State.CONNECTING || out.position() == 0) {
            return;
        }
        try {
            out.flip();
            channel.write(out);
            boolean blocked = out.hasRemaining();
            out.compact();
            lastWriteNanos = System.nanoTime();
            if (blocked != writeBlocked) {
                writeBlocked = blocked;
                key.interestOps(blocked ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            }
        } catch (IOException e) {
            fail("write failed: " + e.getMessage());
        }
    }

    void onWritable() {
        flush();
    }

    /** Sends DISCONNECT; the broker's close of the socket completes it (see {@link EventLoop#onClosed}). */
    void disconnect() {
        if (state != State.CONNECTED) {
            close(false);
            return;
        }
        enqueue(MqttCodec.DISCONNECT_PACKET);
        flush();
        state = State.DISCONNECTING;
    }

    /** Closes the socket; {@code reset} closes with a TCP RST (SO_LINGER 0) so no TIME_WAIT stays behind. */
    void close(boolean reset) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (channel != null) {
            try {
                if (reset && channel.isConnected()) {
                    channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                }
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        in = null;
        out = null;
        loop.onClosed(this);
    }

    private void peerClosed() {
        if (state == State.DISCONNECTING) {
            close(false);
            return;
        }
        fail("the broker closed the connection");
    }

    void fail(String why) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.DISCONNECTING) {
            close(true); // a reset after our DISCONNECT is still a clean end
            return;
        }
        State was = state;
        close(true);
        loop.onFailure(this, was, why);
    }
}
