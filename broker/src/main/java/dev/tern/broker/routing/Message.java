package dev.tern.broker.routing;

import dev.tern.broker.protocol.Properties;
import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;

import java.nio.charset.StandardCharsets;

/**
 * An application message as the broker holds it after a PUBLISH (or a will) arrived: stored once
 * and shared by every subscriber, retained store and queue that references it. Each holder
 * {@link #retain()}s it and {@link #release()}s it when done; the payload is freed with the last
 * reference.
 *
 * <p>Immutable apart from its reference count; safe to hand between event loops.
 */
public final class Message extends AbstractReferenceCounted {
    /** Marks a message without an expiry. */
    public static final long NO_EXPIRY = Long.MAX_VALUE;

    private final String topic;
    private final byte[] topicUtf8;
    private final int qos;
    private final boolean retain;
    private final Properties properties;
    private final ByteBuf payload;
    private final long expiresAtMillis;
    private final String publisherId;
    /** The store's handle for this message's stored copy (see storage.rocksdb.RocksStore), or null. */
    private volatile Object storeRef;
    private static final java.util.concurrent.atomic.AtomicReferenceFieldUpdater<Message, Object> STORE_REF =
        java.util.concurrent.atomic.AtomicReferenceFieldUpdater.newUpdater(Message.class, Object.class, "storeRef");

    /**
     * @param payload         the message takes over one reference to this buffer
     * @param expiresAtMillis wall-clock time the message expires, or {@link #NO_EXPIRY}
     * @param publisherId     the client id of the publisher (for No Local), or null
     */
    public Message(String topic, int qos, boolean retain, Properties properties, ByteBuf payload,
                   long expiresAtMillis, String publisherId) {
        this(topic, null, qos, retain, properties, payload, expiresAtMillis, publisherId);
    }

    /** As the other constructor, with the topic's UTF-8 bytes when the caller has them (null otherwise). */
    public Message(String topic, byte[] topicUtf8, int qos, boolean retain, Properties properties, ByteBuf payload,
                   long expiresAtMillis, String publisherId) {
        this.topic = topic;
        this.topicUtf8 = topicUtf8 != null ? topicUtf8 : topic.getBytes(StandardCharsets.UTF_8);
        this.qos = qos;
        this.retain = retain;
        this.properties = properties;
        this.payload = payload;
        this.expiresAtMillis = expiresAtMillis;
        this.publisherId = publisherId;
    }

    public String topic() {
        return topic;
    }

    public byte[] topicUtf8() {
        return topicUtf8;
    }

    public int qos() {
        return qos;
    }

    /** The RETAIN flag the message was published with. */
    public boolean retainFlag() {
        return retain;
    }

    /** The MQTT 5 properties that travel with the message (message expiry is recomputed per delivery). */
    public Properties properties() {
        return properties;
    }

    /** The payload; read it with index-based methods, never move its reader index. */
    public ByteBuf payload() {
        return payload;
    }

    public int payloadLength() {
        return payload.readableBytes();
    }

    public long expiresAtMillis() {
        return expiresAtMillis;
    }

    public boolean hasExpiry() {
        return expiresAtMillis != NO_EXPIRY;
    }

    public boolean isExpired(long nowMillis) {
        return expiresAtMillis != NO_EXPIRY && nowMillis >= expiresAtMillis;
    }

    /**
     * The Message Expiry Interval to send at {@code nowMillis}, in whole seconds rounded up, or -1
     * when the message does not expire. [MQTT-3.3.2-6] the value sent is the received value minus
     * the time spent waiting in the server.
     */
    public long remainingExpirySeconds(long nowMillis) {
        if (expiresAtMillis == NO_EXPIRY) {
            return -1;
        }
        long remaining = expiresAtMillis - nowMillis;
        return remaining <= 0 ? 0 : (remaining + 999) / 1000;
    }

    public String publisherId() {
        return publisherId;
    }

    /** The store's handle for the stored copy of this message, or null while none is stored. */
    public Object storeRef() {
        return storeRef;
    }

    public boolean casStoreRef(Object expected, Object update) {
        return STORE_REF.compareAndSet(this, expected, update);
    }

    @Override
    public Message retain() {
        super.retain();
        return this;
    }

    @Override
    public Message touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    protected void deallocate() {
        payload.release();
    }

    @Override
    public String toString() {
        return "Message[" + topic + ", qos " + qos + (retain ? ", retained" : "") + ", " + payload.readableBytes() + " bytes]";
    }
}
