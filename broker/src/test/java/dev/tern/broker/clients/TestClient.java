package dev.tern.broker.clients;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The little every real client library can do, behind one interface, so one test runs against the
 * HiveMQ client (MQTT 3.1.1 and 5) and Eclipse Paho (MQTT 3.1, 3.1.1 and 5) alike. Every message
 * the client receives is recorded, in arrival order. Features only one library exposes are tested
 * against that library directly.
 */
interface TestClient extends AutoCloseable {

    /** The client libraries and protocol versions under test. */
    enum Kind {
        HIVEMQ_V311("hv3", false),
        HIVEMQ_V5("hv5", true),
        PAHO_V31("p31", false),
        PAHO_V311("p3", false),
        PAHO_V5("p5", true);

        final String shortName;
        final boolean v5;

        Kind(String shortName, boolean v5) {
            this.shortName = shortName;
            this.v5 = v5;
        }
    }

    /** A message as the application received it. */
    record Msg(String topic, String payload, int qos, boolean retain) {
    }

    /** A will message to set at CONNECT. */
    record Will(String topic, String payload, int qos, boolean retain) {
    }

    /** Session expiry a persistent MQTT 5 session asks for, seconds. */
    long PERSISTENT_EXPIRY = 300;

    AtomicInteger IDS = new AtomicInteger();

    /**
     * A client of the given kind for the broker on {@code port}. The client id is
     * {@code <kind>-<name>}, short enough for MQTT 3.1's 23 characters when {@code name} is.
     */
    static TestClient create(Kind kind, String name, int port) {
        return create(kind, name, port, false);
    }

    /** The same over MQTT-over-WebSocket, to a listener on {@code port} with path /mqtt. */
    static TestClient createOverWebSocket(Kind kind, String name, int port) {
        return create(kind, name, port, true);
    }

    private static TestClient create(Kind kind, String name, int port, boolean webSocket) {
        String id = kind.shortName + "-" + name;
        return switch (kind) {
            case HIVEMQ_V311 -> new HiveMq3TestClient(id, port, webSocket);
            case HIVEMQ_V5 -> new HiveMq5TestClient(id, port, webSocket);
            case PAHO_V31 -> new Paho3TestClient(id, port, true, webSocket);
            case PAHO_V311 -> new Paho3TestClient(id, port, false, webSocket);
            case PAHO_V5 -> new Paho5TestClient(id, port, webSocket);
        };
    }

    /** A name unique in this JVM, for client ids and topics of one test. */
    static String unique(String prefix) {
        return prefix + IDS.incrementAndGet();
    }

    Kind kind();

    String clientId();

    /**
     * Connects. {@code persistent}: clean session / clean start 0 and, in MQTT 5, a session expiry of
     * {@link #PERSISTENT_EXPIRY}; otherwise a clean session that ends with the connection.
     *
     * @return the CONNACK's session present flag
     */
    boolean connect(boolean persistent, Will will);

    default boolean connect() {
        return connect(false, null);
    }

    /** Subscribes and returns the granted QoS (or failure code) from SUBACK. */
    int subscribe(String filter, int qos);

    /** Unsubscribes and waits for UNSUBACK. */
    void unsubscribe(String filter);

    /** Publishes and waits until the QoS flow completes (PUBACK, PUBCOMP; QoS 0 when written). */
    void publish(String topic, String payload, int qos, boolean retain);

    default void publish(String topic, String payload, int qos) {
        publish(topic, payload, qos, false);
    }

    /** Everything received so far, in order. */
    List<Msg> received();

    default List<String> payloads() {
        return received().stream().map(Msg::payload).toList();
    }

    /** Sends DISCONNECT (normal, reason 0) and closes the connection. */
    void disconnect();

    boolean isConnected();

    /** Disconnects if connected and releases the library's threads. */
    @Override
    void close();
}
