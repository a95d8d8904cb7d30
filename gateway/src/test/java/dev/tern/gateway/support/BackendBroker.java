package dev.tern.gateway.support;

import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.testkit.MosquittoProcess;

import java.util.List;

/** The MQTT 5 broker behind the gateway in a test: an embedded Tern or a real Mosquitto, restartable on its port. */
public interface BackendBroker extends AutoCloseable {
    String name();

    int port();

    /** Stops the broker and starts it again on the same port (sessions are not persisted). */
    void restart();

    void stop();

    void startAgain();

    @Override
    void close();

    static BackendBroker tern() {
        return new Tern();
    }

    static BackendBroker mosquitto(List<String> extraConfig) {
        return new Mosquitto(extraConfig);
    }

    final class Tern implements BackendBroker {
        private Broker broker;
        private final int port;

        Tern() {
            broker = start(0);
            port = broker.port();
        }

        private static Broker start(int port) {
            return Broker.builder().config(BrokerConfig.builder().tcp("127.0.0.1", port).ioThreads(1).build()).build().start();
        }

        @Override
        public String name() {
            return "tern";
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void restart() {
            stop();
            startAgain();
        }

        @Override
        public void stop() {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }

        @Override
        public void startAgain() {
            broker = start(port);
        }

        @Override
        public void close() {
            stop();
        }
    }

    final class Mosquitto implements BackendBroker {
        private final List<String> extra;
        private MosquittoProcess process;
        private final int port;

        Mosquitto(List<String> extra) {
            this.extra = extra;
            process = MosquittoProcess.start(extra);
            port = process.port();
        }

        @Override
        public String name() {
            return "mosquitto";
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void restart() {
            stop();
            startAgain();
        }

        @Override
        public void stop() {
            if (process != null) {
                process.close();
                process = null;
            }
        }

        @Override
        public void startAgain() {
            process = MosquittoProcess.start(port, extra);
        }

        public String log() {
            return process == null ? "" : process.log();
        }

        @Override
        public void close() {
            stop();
        }
    }
}
