import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tern.broker.Broker;
import dev.tern.broker.BrokerConfig;
import dev.tern.gateway.Gateway;
import dev.tern.gateway.config.GatewayConfigParser;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Messages per second through the gateway: HTTP POST -> MQTT, and MQTT -> SSE, against an embedded
 * Tern and (when installed) a Mosquitto, in one run. See README.md beside this file.
 *
 *   java -cp "cli/target/tern-cli.jar:cli/target/lib/*" bench/gateway/GatewayBench.java [posts] [sse-messages]
 */
public class GatewayBench {
    static final String API = """
        http: {host: 127.0.0.1, port: 0}
        dataDir: DATADIR
        apis:
          - id: bench
            contextPath: /bench
            entrypoints: [{type: http-post}, {type: sse}]
            plans: [{name: open, security: key-less}]
            endpointGroups:
              - name: g
                type: mqtt5
                sharedConfiguration:
                  consumer: {enabled: true, topic: "bench/out"}
                  producer: {enabled: true, topic: bench/in, qos: QOS}
                endpoints: [{name: e, type: mqtt5, configuration: {serverHost: 127.0.0.1, serverPort: PORT}}]
        """;

    public static void main(String[] args) throws Exception {
        int posts = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int sseMessages = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int concurrency = 64;
        System.out.printf("gateway bench: %d POSTs (%d concurrent, 100-byte bodies), %d messages to one SSE stream%n",
            posts, concurrency, sseMessages);
        System.out.println("broker     | POST QoS1 msg/s | POST QoS0 msg/s | SSE msg/s");
        Broker tern = Broker.builder().config(BrokerConfig.builder().tcp("127.0.0.1", 0).ioThreads(1).build()).build().start();
        try {
            run("tern", tern.port(), posts, sseMessages, concurrency);
        } finally {
            tern.close();
        }
        Path mosquitto = Path.of("/usr/sbin/mosquitto");
        if (Files.isExecutable(mosquitto)) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path conf = Files.createTempFile("mosquitto", ".conf");
            Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n");
            Process p = new ProcessBuilder(mosquitto.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                Thread.sleep(500);
                run("mosquitto", port, posts, sseMessages, concurrency);
            } finally {
                p.destroy();
            }
        }
    }

    static void run(String name, int brokerPort, int posts, int sseMessages, int concurrency) throws Exception {
        double q1 = posts(brokerPort, "AT_LEAST_ONCE", posts, concurrency);
        double q0 = posts(brokerPort, "AT_MOST_ONCE", posts, concurrency);
        double sse = sse(brokerPort, sseMessages);
        System.out.printf("%-10s | %15.0f | %15.0f | %9.0f%n", name, q1, q0, sse);
    }

    static Gateway gateway(int brokerPort, String qos) throws Exception {
        Path dir = Files.createTempDirectory("gwbench");
        String yaml = API.replace("PORT", String.valueOf(brokerPort)).replace("QOS", qos).replace("DATADIR", dir.toString());
        return Gateway.builder().config(GatewayConfigParser.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), "$",
            GatewayConfigParser.Mode.STANDALONE)).build().start();
    }

    /** HTTP POST -> 202 after the broker's ack; counts until a plain MQTT subscriber has every message. */
    static double posts(int brokerPort, String qos, int n, int concurrency) throws Exception {
        try (Gateway g = gateway(brokerPort, qos)) {
            Mqtt5AsyncClient sub = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1").serverPort(brokerPort).buildAsync();
            sub.connect().get();
            AtomicInteger received = new AtomicInteger();
            sub.subscribeWith().topicFilter("bench/in").qos(MqttQos.AT_LEAST_ONCE).callback(p -> received.incrementAndGet()).send().get();
            Vertx vertx = Vertx.vertx();
            HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(g.port())
                .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(concurrency));
            Buffer body = Buffer.buffer("x".repeat(100));
            // warm-up
            send(http, body, 2_000, concurrency);
            received.set(0);
            long start = System.nanoTime();
            long failures = send(http, body, n, concurrency);
            long deadline = System.currentTimeMillis() + 60_000;
            while (received.get() < n - failures && System.currentTimeMillis() < deadline) {
                Thread.sleep(1);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (failures > 0 || received.get() < n) {
                System.out.printf("  (%s %s: %d failed, %d of %d received)%n", qos, brokerPort, failures, received.get(), n);
            }
            vertx.close().toCompletionStage().toCompletableFuture().get();
            sub.disconnect().get();
            return n / seconds;
        }
    }

    static long send(HttpClient http, Buffer body, int n, int concurrency) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(n);
        AtomicLong failures = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setURI("/bench");
        Runnable[] one = new Runnable[1];
        one[0] = () -> {
            if (next.getAndIncrement() >= n) {
                return;
            }
            http.request(ro).compose(r -> r.send(body)).onComplete(ar -> {
                if (ar.failed() || ar.result().statusCode() != 202) {
                    failures.incrementAndGet();
                }
                done.countDown();
                one[0].run();
            });
        };
        for (int i = 0; i < concurrency; i++) {
            one[0].run();
        }
        done.await(120, TimeUnit.SECONDS);
        return failures.get();
    }

    /** MQTT publisher (QoS 1, pipelined) -> gateway consumer session -> one SSE stream, until all arrived. */
    static double sse(int brokerPort, int n) throws Exception {
        try (Gateway g = gateway(brokerPort, "AT_LEAST_ONCE")) {
            Vertx vertx = Vertx.vertx();
            HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(g.port()));
            AtomicInteger events = new AtomicInteger();
            CompletableFuture<Void> open = new CompletableFuture<>();
            http.request(new RequestOptions().setURI("/bench").addHeader("Accept", "text/event-stream")
                    .addHeader("X-Gravitee-Client-Identifier", "bench-sse"))
                .compose(r -> r.send()).onSuccess(resp -> {
                    StringBuilder carry = new StringBuilder();
                    resp.handler(buf -> {
                        // an event may be split across chunks: keep the last 13 characters (one less than
                        // "event: message"), so a match is counted once, in the chunk where it completes
                        String s = carry + buf.toString();
                        carry.setLength(0);
                        carry.append(s, Math.max(0, s.length() - 13), s.length());
                        if (s.contains("retry:")) {
                            open.complete(null);
                        }
                        int i = 0;
                        while ((i = s.indexOf("event: message", i)) >= 0) {
                            events.incrementAndGet();
                            i++;
                        }
                    });
                });
            open.get(10, TimeUnit.SECONDS);
            Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1").serverPort(brokerPort).buildAsync();
            pub.connect().get();
            byte[] payload = "y".repeat(100).getBytes();
            long start = System.nanoTime();
            List<CompletableFuture<?>> inflight = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                inflight.add(pub.publishWith().topic("bench/out").qos(MqttQos.AT_LEAST_ONCE).payload(payload).send());
                if (inflight.size() >= 500) {
                    inflight.remove(0).get();
                }
            }
            long deadline = System.currentTimeMillis() + 60_000;
            while (events.get() < n && System.currentTimeMillis() < deadline) {
                Thread.sleep(1);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (events.get() < n) {
                System.out.printf("  (SSE: %d of %d events)%n", events.get(), n);
            }
            pub.disconnect().get();
            vertx.close().toCompletionStage().toCompletableFuture().get();
            return events.get() / seconds;
        }
    }
}
