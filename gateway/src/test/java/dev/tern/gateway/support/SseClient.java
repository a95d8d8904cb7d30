package dev.tern.gateway.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** A small server-sent events client (java.net.http) that parses the stream into events, comments and retry. */
public final class SseClient implements AutoCloseable {
    /** One dispatched event: its data lines joined by \n as the SSE spec says. */
    public record Event(String id, String event, String data, List<String> comments) {
    }

    public final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    public final AtomicInteger heartbeats = new AtomicInteger();
    public volatile String retry;
    public volatile int status;
    public volatile Map<String, List<String>> headers;
    public volatile boolean ended;
    private final CompletableFuture<HttpResponse<Stream<String>>> response;
    private volatile Stream<String> lines;

    public SseClient(String url, Map<String, String> requestHeaders) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET();
        requestHeaders.forEach(b::header);
        response = http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines());
        response.thenAccept(r -> {
            status = r.statusCode();
            headers = r.headers().map();
            lines = r.body();
            Thread t = new Thread(() -> parse(r.body()), "sse-client");
            t.setDaemon(true);
            t.start();
        });
    }

    public int awaitStatus() throws Exception {
        return response.get(10, TimeUnit.SECONDS).statusCode();
    }

    private void parse(Stream<String> body) {
        String id = null;
        String event = null;
        StringBuilder data = null;
        List<String> comments = new ArrayList<>();
        boolean commentOnly = false;
        try {
            for (String line : (Iterable<String>) body::iterator) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, event, data.toString(), List.copyOf(comments)));
                    } else if (commentOnly) {
                        heartbeats.incrementAndGet();
                    }
                    id = null;
                    event = null;
                    data = null;
                    comments.clear();
                    commentOnly = false;
                    continue;
                }
                if (line.startsWith(":")) {
                    if (line.equals(":")) {
                        commentOnly = true;
                    } else {
                        comments.add(line.substring(1));
                    }
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                switch (field) {
                    case "id" -> id = value;
                    case "event" -> event = value;
                    case "retry" -> retry = value;
                    case "data" -> {
                        if (data == null) {
                            data = new StringBuilder(value);
                        } else {
                            data.append('\n').append(value);
                        }
                    }
                    default -> { }
                }
            }
        } catch (RuntimeException e) {
            // stream closed
        }
        ended = true;
    }

    public Event next() throws InterruptedException {
        Event e = events.poll(15, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("no SSE event within 15 s");
        }
        return e;
    }

    @Override
    public void close() {
        response.cancel(true);
        Stream<String> l = lines;
        if (l != null) {
            l.close();
        }
    }
}
