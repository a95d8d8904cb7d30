package dev.tern.gateway.support;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A webhook callback (JDK HTTP server) that answers 500 to the first {@code failures} calls, then 200. */
public final class WebhookReceiver implements AutoCloseable {
    /** One call as received. */
    public record Call(String body, Map<String, List<String>> headers, int answered) {
    }

    private final HttpServer server;
    private final AtomicInteger failuresLeft;
    public final List<Call> calls = new CopyOnWriteArrayList<>();

    public WebhookReceiver(int failures) throws IOException {
        failuresLeft = new AtomicInteger(failures);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = failuresLeft.getAndDecrement() > 0 ? 500 : 200;
            calls.add(new Call(body, Map.copyOf(ex.getRequestHeaders()), status));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
    }

    public void failNext(int n) {
        failuresLeft.set(n);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** Bodies of the calls answered 2xx. */
    public List<String> delivered() {
        return calls.stream().filter(c -> c.answered() == 200).map(Call::body).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
