package dev.tern.broker.protocol;

import dev.tern.broker.MqttConfig;
import dev.tern.broker.metrics.BrokerMetrics;
import dev.tern.broker.metrics.BrokerMetrics.DropReason;
import dev.tern.broker.routing.Message;
import dev.tern.broker.session.Session;
import dev.tern.broker.session.SessionConnection;
import dev.tern.broker.session.SessionRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.collection.IntObjectHashMap;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;

/**
 * One client connection: splits the byte stream into MQTT packets and decodes them (strictly: a
 * packet that breaks the specification becomes a {@link DecodeFailure}, and nothing after it is
 * decoded), holds the protocol state of the network connection (version, keep-alive, topic aliases
 * both ways, the client's limits, the will) and hands each packet to its handler. Session state
 * that outlives the connection lives in {@link Session}.
 *
 * <p>One handler per connection does all of it, framing included, so that an idle connection costs
 * one pipeline context and one object of its own; its timers are a slot in the event loop's
 * {@link ConnectionTimers}, not a scheduled task.
 *
 * <p>Threading: a channel handler; every method runs on the channel's event loop. Writes are
 * batched: they go out with one flush at the end of the loop turn.
 */
public final class MqttConnection extends ByteToMessageDecoder
    implements SessionConnection, SessionRegistry.WillHolder, Runnable {

    /** The pipeline name of this handler. */
    public static final String NAME = "mqtt-connection";
    private static final byte[] EMPTY_TOPIC = new byte[0];
    private static final int COPY_PAYLOAD_BELOW = 1024;

    /** Where the connection is in its life. */
    public enum State { AWAIT_CONNECT, CONNECTING, CONNECTED, CLOSED }

    private final ProtocolServices services;
    private final Handlers handlers;
    private ChannelHandlerContext ctx;
    private State state = State.AWAIT_CONNECT;
    private boolean closing;
    private MqttVersion version;
    private String clientId;
    private Session session;
    private ConnectPacket.Will will;
    private long connectSessionExpiry;
    /** Packets (and a last {@link DecodeFailure}) that arrived while CONNECT was being handled. */
    private ArrayDeque<Object> pendingWhileConnecting;

    private int keepAliveSeconds;
    /** Since channelActive while awaiting CONNECT (the connect timeout), then the last read. */
    private long lastReadNanos;
    private ConnectionTimers timers;
    /** This connection's index in {@link #timers}, -1 when not registered; owned by {@link ConnectionTimers}. */
    int timerSlot = -1;
    private boolean flushScheduled;

    /** The version packets are decoded with: known once a CONNECT has been decoded. */
    private MqttVersion wireVersion;
    /** A packet broke the specification: nothing more is decoded, the connection is closing. */
    private boolean decodeFailed;

    private int clientReceiveMaximum = 65535;
    private long clientMaximumPacketSize = Long.MAX_VALUE;
    private int clientTopicAliasMaximum;
    private boolean requestProblemInformation = true;
    private HashMap<String, Integer> outboundAliases;
    private IntObjectHashMap<String> inboundAliases;

    /** Made on the first PUBLISH: an idle or subscribe-only connection never needs one. */
    private TopicCache topics;

    public MqttConnection(ProtocolServices services, Handlers handlers) {
        this.services = services;
        this.handlers = handlers;
    }

    TopicCache topics() {
        TopicCache t = topics;
        if (t == null) {
            t = topics = new TopicCache();
        }
        return t;
    }

    // --- channel events -------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        services.metrics().connectionsOpen.incrementAndGet();
        lastReadNanos = System.nanoTime();
        timers = services.timers().of(ctx.channel().eventLoop());
        timers.add(this);
        ctx.fireChannelActive();
    }

    /** The event loop's timer tick: the connect timeout, then the keep-alive. */
    void checkTimers(long now) {
        if (closing) {
            timers.remove(this);
            return;
        }
        long idle = now - lastReadNanos;
        if (state == State.AWAIT_CONNECT) {
            long timeoutMs = services.config().connectTimeoutMs();
            if (idle >= timeoutMs * 1_000_000L) {
                Disconnector.decodeFailure(this, new DecodeFailure(0, ReasonCode.MAXIMUM_CONNECT_TIME,
                    "no CONNECT within " + timeoutMs + " ms", null));
            }
        } else if (state == State.CONNECTED && keepAliveSeconds > 0) {
            // [MQTT-3.1.2-24] disconnect after one and a half keep-alive periods without a packet
            if (idle >= keepAliveSeconds * 1_500_000_000L) {
                Disconnector.disconnect(this, ReasonCode.KEEP_ALIVE_TIMEOUT,
                    "no packet for " + idle / 1_000_000 + " ms with keep-alive " + keepAliveSeconds + " s");
            }
        }
    }

    private void stopTimers() {
        if (timers != null) {
            timers.remove(this);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (state != State.AWAIT_CONNECT) {
            lastReadNanos = System.nanoTime(); // the connect timeout counts from channelActive
        }
        super.channelRead(ctx, msg);
    }

    /**
     * Frames and decodes every whole packet in {@code in} and handles each at once; after a packet
     * that breaks the specification, or once the connection is closing, the rest is discarded.
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!decodeFailed && !closing) {
            if (in.readableBytes() < 2) {
                return;
            }
            int start = in.readerIndex();
            int header = in.getUnsignedByte(start);
            int remaining = 0;
            int headerLength = 1;
            boolean complete = false;
            for (int i = 0; i < 4; i++) {
                if (start + headerLength >= in.writerIndex()) {
                    return; // the remaining length itself is not all here yet
                }
                int digit = in.getUnsignedByte(start + headerLength);
                headerLength++;
                remaining |= (digit & 0x7F) << (7 * i);
                if ((digit & 0x80) == 0) {
                    complete = true;
                    break;
                }
            }
            int type = header >>> 4;
            if (wireVersion == null && type != PacketType.CONNECT) {
                // [MQTT-3.1.0-1] the first packet from the client must be CONNECT: refuse it on its
                // fixed header rather than wait for a body that may never come
                decodeFailed(in, new DecodeFailure(type, ReasonCode.PROTOCOL_ERROR,
                    "first packet is " + PacketType.name(type) + ", not CONNECT", null));
                return;
            }
            if (!complete) {
                decodeFailed(in, new DecodeFailure(type, ReasonCode.MALFORMED_PACKET,
                    "remaining length longer than four bytes [MQTT-1.5.5-1]", wireVersion));
                return;
            }
            long total = (long) headerLength + remaining;
            long maximumPacketSize = services.config().effectiveMaximumPacketSize();
            if (total > maximumPacketSize) {
                // section 3.1.2.11.4 / 3.2.2.3.6: a packet above the server's Maximum Packet Size
                decodeFailed(in, new DecodeFailure(type, ReasonCode.PACKET_TOO_LARGE,
                    "packet of " + total + " bytes exceeds the maximum packet size " + maximumPacketSize, wireVersion));
                return;
            }
            if (in.readableBytes() < total) {
                return;
            }
            in.skipBytes(headerLength);
            ByteBuf body = in.readSlice(remaining);
            Object decoded = decodeFrame(header, body);
            if (decoded instanceof DecodeFailure failure) {
                decodeFailed(in, failure);
                return;
            }
            received((Packet) decoded);
        }
        in.skipBytes(in.readableBytes());
    }

    private Object decodeFrame(int header, ByteBuf body) {
        int type = header >>> 4;
        try {
            Packet packet = PacketDecoder.INSTANCE.decode(header, body, wireVersion,
                (header >>> 4) == PacketType.PUBLISH ? topics() : null);
            if (packet instanceof ConnectPacket connect && wireVersion == null) {
                wireVersion = connect.version();
            }
            return packet;
        } catch (ProtocolViolation e) {
            return new DecodeFailure(type, e.reasonCode(), e.getMessage(), wireVersion);
        } catch (PacketDecoder.ConnectViolation e) {
            return new DecodeFailure(type, e.violation().reasonCode(), e.getMessage(), e.version());
        } catch (PacketDecoder.UnknownProtocolViolation e) {
            return new DecodeFailure(type,
                e.knownName() ? ReasonCode.UNSUPPORTED_PROTOCOL_VERSION : ReasonCode.PROTOCOL_ERROR,
                e.getMessage(), null);
        }
    }

    private void decodeFailed(ByteBuf in, DecodeFailure failure) {
        decodeFailed = true;
        in.skipBytes(in.readableBytes());
        if (state == State.CONNECTING) {
            // behind the packets that came before it, after CONNACK: then MQTT 5 gets its reason code
            pending().add(failure);
            return;
        }
        Disconnector.decodeFailure(this, failure);
    }

    private ArrayDeque<Object> pending() {
        if (pendingWhileConnecting == null) {
            pendingWhileConnecting = new ArrayDeque<>(4);
        }
        return pendingWhileConnecting;
    }

    private void received(Packet packet) {
        if (state == State.CONNECTING) {
            // A client may send packets right after CONNECT, before CONNACK: keep them in order.
            pending().add(packet);
            return;
        }
        dispatch(packet);
    }

    private void dispatch(Packet packet) {
        if (packet instanceof ConnectPacket connect) {
            if (state != State.AWAIT_CONNECT) {
                // [MQTT-3.1.0-2] a second CONNECT is a protocol violation
                Disconnector.disconnect(this, ReasonCode.PROTOCOL_ERROR, "second CONNECT on one connection");
                return;
            }
            handlers.connect().handle(this, connect);
            return;
        }
        switch (packet.type()) {
            case PacketType.PUBLISH -> handlers.publish().handle(this, (PublishPacket) packet);
            case PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBREL, PacketType.PUBCOMP ->
                handlers.acks().handle(this, (AckPacket) packet);
            case PacketType.SUBSCRIBE -> handlers.subscribe().handle(this, (SubscribePacket) packet);
            case PacketType.UNSUBSCRIBE -> handlers.unsubscribe().handle(this, (UnsubscribePacket) packet);
            case PacketType.PINGREQ -> write(PacketEncoder.pingResp(alloc())); // [MQTT-3.12.4-1]
            case PacketType.DISCONNECT -> handlers.disconnect().handle(this, (DisconnectPacket) packet);
            case PacketType.AUTH -> handlers.auth().handle(this, (AuthPacket) packet);
            default -> throw new IllegalStateException("unexpected packet " + packet);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        flushNow();
        super.channelReadComplete(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && session != null && state == State.CONNECTED) {
            session.drainQueue();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        services.metrics().connectionsOpen.decrementAndGet();
        closing = true;
        stopTimers();
        if (pendingWhileConnecting != null) {
            for (Object p : pendingWhileConnecting) {
                if (p instanceof PublishPacket pub) {
                    pub.payload().release();
                }
            }
            pendingWhileConnecting = null;
        }
        Session s = session;
        if (s != null) {
            services.sessions().disconnected(s, this, takeWill());
        }
        state = State.CLOSED;
        super.channelInactive(ctx); // discards what is left undecoded (closing), then fires channelInactive
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // I/O errors (connection reset and the like) end the connection; the will is published.
        org.slf4j.LoggerFactory.getLogger(MqttConnection.class)
            .debug("connection of '{}' from {} failed: {}", clientIdOrUnknown(), remoteAddress(), cause.toString());
        close();
    }

    // --- connect lifecycle, called by ConnectHandler --------------------------------------------

    void beginConnect(MqttVersion version, String clientId, ConnectPacket.Will will, long sessionExpiry) {
        this.version = version;
        this.clientId = clientId;
        this.will = will;
        this.connectSessionExpiry = sessionExpiry;
        this.state = State.CONNECTING;
    }

    void clientLimits(int receiveMaximum, long maximumPacketSize, int topicAliasMaximum, boolean problemInformation) {
        this.clientReceiveMaximum = receiveMaximum;
        this.clientMaximumPacketSize = maximumPacketSize;
        this.clientTopicAliasMaximum = topicAliasMaximum;
        this.requestProblemInformation = problemInformation;
    }

    /** The CONNECT was accepted: CONNACK is written by the caller right after. */
    void connected(Session session, int keepAliveSeconds) {
        this.session = session;
        this.state = State.CONNECTED;
        this.keepAliveSeconds = keepAliveSeconds;
        services.metrics().connectionsAccepted.increment();
        lastReadNanos = System.nanoTime();
        if (keepAliveSeconds <= 0) {
            stopTimers(); // no keep-alive: nothing more to time (checkTimers does the rest)
        }
    }

    /** Runs the packets that arrived between CONNECT and CONNACK. */
    void processPending() {
        ArrayDeque<Object> pending = pendingWhileConnecting;
        pendingWhileConnecting = null;
        if (pending == null) {
            return;
        }
        Object p;
        while ((p = pending.poll()) != null) {
            if (closing) {
                if (p instanceof PublishPacket pub) {
                    pub.payload().release();
                }
                continue;
            }
            if (p instanceof DecodeFailure failure) {
                Disconnector.decodeFailure(this, failure);
            } else {
                dispatch((Packet) p);
            }
        }
    }

    /** A normal DISCONNECT: the will is discarded unless the reason asks for it. */
    void clientDisconnected(boolean keepWill) {
        if (!keepWill) {
            will = null; // [MQTT-3.14.4-3]
        }
        close();
    }

    // --- writing --------------------------------------------------------------------------------

    /** Writes a packet; the flush follows at the end of this event-loop turn. */
    public void write(ByteBuf packet) {
        if (closing) {
            packet.release();
            return;
        }
        ctx.write(packet, ctx.voidPromise());
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(this);
        }
    }

    /** The end-of-turn flush that {@link #write} schedules; not for callers. */
    @Override
    public void run() {
        flushNow();
    }

    private void flushNow() {
        flushScheduled = false;
        ctx.flush();
    }

    /** Writes a last packet, then closes. */
    void closeAfter(ByteBuf packet) {
        if (closing) {
            packet.release();
            return;
        }
        closing = true;
        stopTimers();
        ctx.writeAndFlush(packet).addListener(ChannelFutureListener.CLOSE);
    }

    public void close() {
        closing = true;
        stopTimers();
        ctx.close();
    }

    @Override
    public boolean writePublish(Message m, int qos, boolean retain, boolean dup, int packetId, int[] subscriptionIds) {
        boolean v5 = version.isV5();
        byte[] topic = m.topicUtf8();
        int alias = 0;
        boolean newAlias = false;
        if (v5 && clientTopicAliasMaximum > 0 && services.config().outboundTopicAliases()) {
            if (outboundAliases == null) {
                outboundAliases = new HashMap<>();
            }
            Integer a = outboundAliases.get(m.topic());
            if (a != null) {
                alias = a;
                topic = EMPTY_TOPIC;
            } else if (outboundAliases.size() < clientTopicAliasMaximum) {
                alias = outboundAliases.size() + 1;
                newAlias = true;
            }
        }
        long expiry = v5 && m.hasExpiry() ? m.remainingExpirySeconds(services.clock().millis()) : -1;
        PacketEncoder.PublishHeader h = new PacketEncoder.PublishHeader(topic, qos, retain, dup, packetId, alias,
            expiry, v5 ? subscriptionIds : null);
        Properties props = v5 ? m.properties() : Properties.EMPTY;
        int payloadLength = m.payloadLength();
        if (PacketEncoder.publishSize(v5, h, props, payloadLength) > clientMaximumPacketSize) {
            services.metrics().dropped(DropReason.PACKET_TOO_LARGE, clientId, m.topic());
            return false;
        }
        if (newAlias) {
            outboundAliases.put(m.topic(), alias);
        }
        if (payloadLength < COPY_PAYLOAD_BELOW) {
            write(PacketEncoder.publish(alloc(), v5, h, props, m.payload(), payloadLength));
        } else {
            write(PacketEncoder.publish(alloc(), v5, h, props, null, payloadLength));
            write(m.payload().retainedDuplicate());
        }
        services.metrics().messagesSent.increment();
        return true;
    }

    @Override
    public void writePubRel(int packetId) {
        write(PacketEncoder.ack(alloc(), version, PacketType.PUBREL, packetId, 0, Properties.EMPTY));
    }

    @Override
    public void disconnect(ReasonCode reason, String reasonString) {
        Disconnector.disconnect(this, reason, reasonString);
    }

    @Override
    public boolean isWritable() {
        // a closing connection takes nothing more: what arrives meanwhile waits in the session's queue
        return !closing && ctx.channel().isWritable();
    }

    @Override
    public int sendWindow() {
        return clientReceiveMaximum;
    }

    @Override
    public ConnectPacket.Will takeWill() {
        ConnectPacket.Will w = will;
        will = null;
        return w;
    }

    // --- topic aliases from the client ----------------------------------------------------------

    /** Records or resolves an inbound topic alias; returns the topic, or null when the alias is unknown. */
    String resolveInboundAlias(int alias, String topic) {
        if (inboundAliases == null) {
            inboundAliases = new IntObjectHashMap<>(8);
        }
        if (!topic.isEmpty()) {
            inboundAliases.put(alias, topic);
            return topic;
        }
        return inboundAliases.get(alias);
    }

    // --- accessors for the handlers -------------------------------------------------------------

    public State state() {
        return state;
    }

    public boolean isClosing() {
        return closing;
    }

    public MqttVersion version() {
        return version;
    }

    public String clientId() {
        return clientId;
    }

    String clientIdOrUnknown() {
        return clientId == null ? "?" : clientId;
    }

    public Session session() {
        return session;
    }

    long connectSessionExpiry() {
        return connectSessionExpiry;
    }

    long clientMaximumPacketSize() {
        return clientMaximumPacketSize;
    }

    boolean requestProblemInformation() {
        return requestProblemInformation;
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    io.netty.channel.EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    MqttConfig config() {
        return services.config();
    }

    BrokerMetrics metrics() {
        return services.metrics();
    }

    ProtocolServices services() {
        return services;
    }

    @Override
    public String remoteAddress() {
        SocketAddress a = ctx == null ? null : ctx.channel().remoteAddress();
        if (a instanceof InetSocketAddress i) {
            return i.getAddress().getHostAddress() + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
