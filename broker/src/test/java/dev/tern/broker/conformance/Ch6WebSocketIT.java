package dev.tern.broker.conformance;

import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.tern.testkit.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chapter 6, MQTT over WebSocket: the "mqtt" subprotocol, binary frames only, and packets that
 * do not line up with frames (split across frames, several in one frame).
 */
class Ch6WebSocketIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults().withWebSocket();

    /** A WebSocket client that turns the binary frames it receives back into MQTT packets. */
    private static final class WsClient implements WebSocket.Listener, AutoCloseable {
        private final LinkedBlockingQueue<byte[]> packets = new LinkedBlockingQueue<>();
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final WebSocket ws;

        WsClient(String... subprotocols) {
            WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
            if (subprotocols.length > 0) {
                b.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
            }
            ws = b.buildAsync(URI.create("ws://127.0.0.1:" + broker.wsPort() + "/mqtt"), this).join();
        }

        String subprotocol() {
            return ws.getSubprotocol();
        }

        void sendFrame(byte[] bytes) {
            ws.sendBinary(ByteBuffer.wrap(bytes), true).join();
        }

        /** The next MQTT packet, whole, whatever the frames it came in. */
        byte[] receive() throws InterruptedException {
            byte[] p = packets.poll(5, TimeUnit.SECONDS);
            assertThat(p).as("an MQTT packet over the WebSocket").isNotNull();
            return p;
        }

        /** Waits for the server to close; returns the close status code. */
        int awaitClose() {
            return closed.orTimeout(5, TimeUnit.SECONDS).join();
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            synchronized (pending) {
                pending.writeBytes(b);
                split();
            }
            webSocket.request(1);
            return null;
        }

        private void split() {
            byte[] buf = pending.toByteArray();
            int pos = 0;
            while (buf.length - pos >= 2) {
                int len = 0;
                int shift = 0;
                int i = pos + 1;
                int d;
                do {
                    if (i >= buf.length) {
                        keep(buf, pos);
                        return;
                    }
                    d = buf[i++] & 0xFF;
                    len |= (d & 0x7F) << shift;
                    shift += 7;
                } while ((d & 0x80) != 0);
                if (buf.length - i < len) {
                    break;
                }
                packets.add(Arrays.copyOfRange(buf, pos, i + len));
                pos = i + len;
            }
            keep(buf, pos);
        }

        private void keep(byte[] buf, int from) {
            pending.reset();
            pending.write(buf, from, buf.length - from);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }

        @Override
        public void close() {
            ws.abort();
        }
    }

    @Test
    @Conformance({"v311:MQTT-6.0.0-4", "v5:MQTT-6.0.0-4", "v311:MQTT-7.1.1-1", "v5:MQTT-4.2.0-1"})
    void serverSelectsTheMqttSubprotocol() throws Exception {
        try (WsClient c = new WsClient("mqtt")) {
            assertThat(c.subprotocol()).isEqualTo("mqtt");
            c.sendFrame(Packets.connect(Packets.V311, "ws-311").build());
            assertThat(c.receive()).isEqualTo(hex("20 02 00 00"));
        }
        try (WsClient c = new WsClient("mqtt")) {
            c.sendFrame(Packets.connect(Packets.V5, "ws-5").build());
            assertThat(c.receive()).startsWith(hex("20"));
        }
    }

    /** A CONNECT cut in three frames, then SUBSCRIBE and PUBLISH in one frame: the server reassembles. */
    @Test
    @Conformance({"v311:MQTT-6.0.0-2", "v5:MQTT-6.0.0-2"})
    void packetsNeedNotAlignWithFrames() throws Exception {
        try (WsClient c = new WsClient("mqtt")) {
            byte[] connect = Packets.connect(Packets.V5, "ws-split").build();
            c.sendFrame(Arrays.copyOfRange(connect, 0, 1));
            c.sendFrame(Arrays.copyOfRange(connect, 1, 7));
            c.sendFrame(Arrays.copyOfRange(connect, 7, connect.length));
            assertThat(c.receive()[0]).isEqualTo((byte) 0x20);
            c.sendFrame(Wire.concat(Packets.subscribe(Packets.V5, 1, "ws/t", 0),
                Raw.publish5("ws/t", 0, false, 0, Props.none(), "over websocket"), Packets.pingreq()));
            assertThat(c.receive()).isEqualTo(hex("90 04 00 01 00 00"));
            byte[] publish = c.receive();
            assertThat(publish[0]).isEqualTo((byte) 0x30);
            assertThat(new String(publish, publish.length - 14, 14)).isEqualTo("over websocket");
            assertThat(c.receive()).isEqualTo(hex("d0 00"));
        }
    }

    @Test
    @Conformance({"v311:MQTT-6.0.0-1", "v5:MQTT-6.0.0-1"})
    void textFrameClosesTheConnection() throws Exception {
        try (WsClient c = new WsClient("mqtt")) {
            c.sendFrame(Packets.connect(Packets.V311, "ws-text").build());
            c.receive();
            c.ws.sendText("not binary", true).join();
            c.awaitClose();
        }
    }

    /** MQTT 3.1 clients ask for "mqttv3.1" (outside the specification, as other brokers do). */
    @Test
    void mqtt31ClientsGetTheirSubprotocol() throws Exception {
        try (WsClient c = new WsClient("mqttv3.1")) {
            assertThat(c.subprotocol()).isEqualTo("mqttv3.1");
            c.sendFrame(Packets.connect(Packets.V31, "ws-31").build());
            assertThat(c.receive()).isEqualTo(hex("20 02 00 00"));
        }
    }
}
