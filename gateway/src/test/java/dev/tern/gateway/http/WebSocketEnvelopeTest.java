package dev.tern.gateway.http;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.mqtt.OutgoingMessage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebSocketEnvelopeTest {
    @Test
    void anEnvelopeCarriesTheMessagesOwnAttributesHeadersAndContent() {
        OutgoingMessage m = WebSocketEnvelope.parse("""
            {"content": "21.5", "contentType": "text/plain",
             "headers": {"z": "1", "a": ["2", "3"], "m": 4},
             "attributes": {"gravitee.attribute.mqtt5.topic": "demo/kitchen",
                            "gravitee.attribute.mqtt5.correlationData": "c-1"}}""");
        assertThat(new String(m.payload(), StandardCharsets.UTF_8)).isEqualTo("21.5");
        assertThat(m.contentType()).isEqualTo("text/plain");
        assertThat(m.headers().keySet()).containsExactly("z", "a", "m"); // order kept: they become user properties
        assertThat(m.headers().get("a")).containsExactly("2", "3");
        assertThat(m.attributes()).containsEntry("gravitee.attribute.mqtt5.topic", "demo/kitchen")
            .containsEntry("gravitee.attribute.mqtt5.correlationData", "c-1");
        assertThat(WebSocketEnvelope.parse("{\"contentBase64\": \"AAEC\"}").payload()).containsExactly(0, 1, 2);
        assertThat(WebSocketEnvelope.parse("{}").payload()).isEmpty();
    }

    @Test
    void aBadEnvelopeIsRefusedWithTheJsonPath() {
        for (List<String> c : List.of(
            List.of("[1]", "envelope $: must be a JSON object"),
            List.of("{\"content\": 1}", "envelope $.content: must be a string"),
            List.of("{\"content\": \"a\", \"contentBase64\": \"AA==\"}", "envelope $: has both content and contentBase64"),
            List.of("{\"contentBase64\": \"***\"}", "envelope $.contentBase64: is not base64"),
            List.of("{\"topic\": \"x\"}", "envelope $.topic: unknown key"),
            List.of("{\"attributes\": {\"gravitee.attribute.mqtt5.qos\": \"1\"}}",
                "envelope $.attributes['gravitee.attribute.mqtt5.qos']: unknown attribute"),
            List.of("{\"headers\": {\"x-tern-origin\": \"someone\"}}", "envelope $.headers['x-tern-origin']: is set by the gateway"),
            List.of("{\"headers\": {\"a\": {\"b\": 1}}}", "envelope $.headers['a']: must be a string"))) {
            assertThatThrownBy(() -> WebSocketEnvelope.parse(c.get(0))).isInstanceOf(GatewayException.class)
                .hasMessageStartingWith(c.get(1))
                .satisfies(e -> assertThat(((GatewayException) e).failure().status()).isEqualTo(400));
        }
    }
}
