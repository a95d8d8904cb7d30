package dev.tern.broker.clients;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.test.EmbeddedBroker;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static dev.tern.broker.clients.Await.await;

/**
 * MQTT 5 message properties travel unchanged from publisher to subscribers, between the two
 * libraries: user properties (order and repeated names kept, [MQTT-3.3.2-17] [MQTT-3.3.2-18]),
 * response topic, correlation data, content type and payload format indicator; the
 * request/response pattern built on them; and a payload that is not the UTF-8 its indicator
 * promises is refused with PUBACK 0x99 and not forwarded.
 */
class PropertiesIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] CORRELATION = {0, 1, 2, (byte) 0xFF};

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @Test
    void hivemqPropertiesReachPahoAndHivemqSubscribers() {
        String name = TestClient.unique("pr");
        String topic = "pr/" + name;
        try (Paho5TestClient paho = (Paho5TestClient) TestClient.create(Kind.PAHO_V5, name + "s", broker.port())) {
            paho.connect();
            paho.subscribe(topic, 1);
            List<Mqtt5Publish> hive = new CopyOnWriteArrayList<>();
            Mqtt5BlockingClient sub = v5("hv5-" + name + "s");
            sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, hive::add);
            sub.connect();
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

            Mqtt5BlockingClient pub = v5("hv5-" + name + "p");
            pub.connect();
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("{\"v\":1}".getBytes(StandardCharsets.UTF_8))
                .userProperties().add("a", "1").add("b", "2").add("a", "3").applyUserProperties()
                .responseTopic(topic + "/reply").correlationData(CORRELATION).contentType("application/json")
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8).send();
            await().atMost(TIMEOUT).until(() -> hive.size() == 1 && paho.received().size() == 1);

            MqttProperties p = paho.rawReceived().get(0).getProperties();
            assertThat(p.getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue())
                .containsExactly("a=1", "b=2", "a=3");
            assertThat(p.getResponseTopic()).isEqualTo(topic + "/reply");
            assertThat(p.getCorrelationData()).containsExactly(CORRELATION);
            assertThat(p.getContentType()).isEqualTo("application/json");
            assertThat(p.getPayloadFormat()).isTrue();

            Mqtt5Publish h = hive.get(0);
            assertThat(h.getUserProperties().asList()).extracting(u -> u.getName() + "=" + u.getValue())
                .containsExactly("a=1", "b=2", "a=3");
            assertThat(h.getResponseTopic()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo(topic + "/reply"));
            assertThat(h.getCorrelationData()).hasValueSatisfying(b -> assertThat(bytes(b)).containsExactly(CORRELATION));
            assertThat(h.getContentType()).hasValueSatisfying(c -> assertThat(c.toString()).isEqualTo("application/json"));
            assertThat(h.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void pahoPropertiesReachHivemqSubscribers() throws Exception {
        String name = TestClient.unique("pp");
        String topic = "pp/" + name;
        List<Mqtt5Publish> hive = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient sub = v5("hv5-" + name + "s");
        sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, hive::add);
        sub.connect();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
        try (Paho5TestClient paho = (Paho5TestClient) TestClient.create(Kind.PAHO_V5, name + "p", broker.port())) {
            paho.connect();
            MqttProperties props = new MqttProperties();
            props.setUserProperties(List.of(new UserProperty("x", "1"), new UserProperty("x", "2")));
            props.setResponseTopic(topic + "/reply");
            props.setCorrelationData(CORRELATION);
            props.setContentType("text/plain; charset=utf-8");
            props.setPayloadFormat(true);
            paho.client().publish(topic, new MqttMessage("héllo".getBytes(StandardCharsets.UTF_8), 2, false, props));
            await().atMost(TIMEOUT).until(() -> hive.size() == 1);
        }
        Mqtt5Publish h = hive.get(0);
        assertThat(new String(h.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("héllo");
        assertThat(h.getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
        assertThat(h.getUserProperties().asList()).extracting(u -> u.getName() + "=" + u.getValue())
            .containsExactly("x=1", "x=2");
        assertThat(h.getResponseTopic()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo(topic + "/reply"));
        assertThat(h.getCorrelationData()).hasValueSatisfying(b -> assertThat(bytes(b)).containsExactly(CORRELATION));
        assertThat(h.getContentType()).hasValueSatisfying(c -> assertThat(c.toString()).isEqualTo("text/plain; charset=utf-8"));
        assertThat(h.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
        sub.disconnect();
    }

    @Test
    void requestResponseMatchesRepliesByCorrelationData() {
        String name = TestClient.unique("rr");
        String service = "rr/" + name + "/service";
        String replies = "rr/" + name + "/replies";
        // the responder answers each request on its response topic with its correlation data
        Mqtt5AsyncClient responder = MqttClient.builder().useMqttVersion5().identifier("hv5-" + name + "r")
            .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        responder.publishes(MqttGlobalPublishFilter.ALL, req -> responder.publishWith()
            .topic(req.getResponseTopic().orElseThrow()).qos(MqttQos.AT_LEAST_ONCE)
            .correlationData(req.getCorrelationData().orElseThrow())
            .payload(("re:" + new String(req.getPayloadAsBytes(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8))
            .send());
        responder.connect().join();
        responder.subscribeWith().topicFilter(service).qos(MqttQos.AT_LEAST_ONCE).send().join();

        Map<String, String> answers = new ConcurrentHashMap<>();
        try (Paho5TestClient requester = (Paho5TestClient) TestClient.create(Kind.PAHO_V5, name + "q", broker.port())) {
            requester.connect();
            requester.subscribe(replies, 1);
            for (int i = 0; i < 5; i++) {
                MqttProperties props = new MqttProperties();
                props.setResponseTopic(replies);
                props.setCorrelationData(("id-" + i).getBytes(StandardCharsets.UTF_8));
                requester.client().publish(service, new MqttMessage(("q" + i).getBytes(StandardCharsets.UTF_8), 1, false, props));
            }
            await().atMost(TIMEOUT).until(() -> requester.received().size() == 5);
            for (MqttMessage m : requester.rawReceived()) {
                answers.put(new String(m.getProperties().getCorrelationData(), StandardCharsets.UTF_8),
                    new String(m.getPayload(), StandardCharsets.UTF_8));
            }
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            throw new IllegalStateException(e);
        }
        assertThat(answers).containsExactlyInAnyOrderEntriesOf(Map.of("id-0", "re:q0", "id-1", "re:q1", "id-2", "re:q2",
            "id-3", "re:q3", "id-4", "re:q4"));
        responder.disconnect().join();
    }

    @Test
    void payloadThatIsNotTheUtf8ItClaimsIsRefusedAndNotForwarded() {
        String name = TestClient.unique("pf");
        String topic = "pf/" + name;
        try (TestClient sub = TestClient.create(Kind.HIVEMQ_V5, name + "s", broker.port())) {
            sub.connect();
            sub.subscribe(topic, 1);
            Mqtt5BlockingClient pub = v5("hv5-" + name + "p");
            pub.connect();
            Throwable refused = catchThrowable(() -> pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8).payload(new byte[]{(byte) 0xC3, 0x28}).send());
            assertThat(refused).isInstanceOfSatisfying(Mqtt5PubAckException.class, a ->
                assertThat(a.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID));
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("fence".getBytes(StandardCharsets.UTF_8)).send();
            await().atMost(TIMEOUT).until(() -> sub.payloads().contains("fence"));
            assertThat(sub.payloads()).containsExactly("fence");
            pub.disconnect();
        }
    }

    private static Mqtt5BlockingClient v5(String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id)
            .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
