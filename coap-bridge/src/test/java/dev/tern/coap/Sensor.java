package dev.tern.coap;

import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.CoAP.Type;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A simulated sensor: a Californium CoAP server on 127.0.0.1 with observable resources. */
final class Sensor implements AutoCloseable {
    private final CoapServer server;
    private final CoapEndpoint endpoint;
    private final Map<String, Value> resources = new ConcurrentHashMap<>();

    private Sensor(int port) {
        var config = CaliforniumSetup.configuration();
        server = new CoapServer(config);
        endpoint = CaliforniumSetup.udpEndpoint(config, new InetSocketAddress("127.0.0.1", port));
        server.addEndpoint(endpoint);
        server.start();
    }

    /** Starts on {@code port}, 0 for a free one. */
    static Sensor start(int port) {
        return new Sensor(port);
    }

    int port() {
        return endpoint.getAddress().getPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    Sensor add(String name, String value, int contentFormat) {
        return add(name, value, contentFormat, -1);
    }

    /** With a Max-Age (seconds) on every response and notification; -1 leaves CoAP's default of 60 s. */
    Sensor add(String name, String value, int contentFormat, long maxAge) {
        Value v = new Value(name, value, contentFormat, maxAge);
        resources.put(name, v);
        server.add(v);
        return this;
    }

    /** Changes a value; observers get a (confirmable) notification. */
    void set(String name, String value) {
        resources.get(name).set(value);
    }

    int observers(String name) {
        return resources.get(name).getObserverCount();
    }

    @Override
    public void close() {
        server.destroy();
    }

    private static final class Value extends CoapResource {
        private final int contentFormat;
        private final long maxAge;
        private volatile String value;

        Value(String name, String value, int contentFormat, long maxAge) {
            super(name);
            this.value = value;
            this.contentFormat = contentFormat;
            this.maxAge = maxAge;
            setObservable(true);
            setObserveType(Type.CON);
            getAttributes().setObservable();
        }

        void set(String v) {
            value = v;
            changed();
        }

        @Override
        public void handleGET(CoapExchange exchange) {
            if (maxAge >= 0) {
                exchange.setMaxAge(maxAge);
            }
            exchange.respond(ResponseCode.CONTENT, value, contentFormat);
        }
    }
}
