package dev.tern.connectors.test;

/** A broker a connector test runs against: Tern embedded, or a real Mosquitto process. */
public interface TestBroker extends AutoCloseable {
    String name();

    String uri();

    int port();

    /** Stops the broker and starts it again on the same port; in-memory state is lost. */
    void restart();

    @Override
    void close();
}
