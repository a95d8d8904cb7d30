package dev.tern.gateway.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubscriptionRequestTest {
    @Test
    void aSubscriptionNeedsAnAbsoluteHttpCallbackAndCleanHeaders() throws Exception {
        SubscriptionRequest r = SubscriptionRequest.parse("{\"callbackUrl\": \"https://x/hook\", \"headers\": [{\"name\": \"X-A\", \"value\": \"1\"}]}");
        assertThat(r.headers()).hasSize(1);
        assertThatThrownBy(() -> SubscriptionRequest.parse("{}")).hasMessageStartingWith("$.callbackUrl: is required");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"/relative\"}")).hasMessageStartingWith("$.callbackUrl:");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"\"}]}"))
            .hasMessageStartingWith("$.headers[0].name: must not be empty");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"a b\"}]}"))
            .hasMessageStartingWith("$.headers[0].name:");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"a:b\"}]}"))
            .hasMessageStartingWith("$.headers[0].name: = a:b is not a valid header name");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"Grüße\"}]}"))
            .hasMessageStartingWith("$.headers[0].name:");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"Transfer-Encoding\", \"value\": \"chunked\"}]}"))
            .hasMessageStartingWith("$.headers[0].name: = Transfer-Encoding is a hop-by-hop or framing header");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"x-tern-attempt\", \"value\": \"1\"}]}"))
            .hasMessageStartingWith("$.headers[0].name: = x-tern-attempt is set by the gateway");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"X-A\", \"value\": \"a\\r\\nX-B: b\"}]}"))
            .hasMessageStartingWith("$.headers[0].value: = a\\u000d\\u000aX-B: b is not a valid header value");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"X-A\", \"value\": \"°C\"}]}"))
            .hasMessageStartingWith("$.headers[0].value:");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"X-A\", \"value\": \" padded\"}]}"))
            .hasMessageStartingWith("$.headers[0].value:");
        assertThat(SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"headers\": [{\"name\": \"Authorization\", \"value\": \"Bearer a b\"}]}")
            .headers()).containsExactly(new EntrypointOptions.Header("Authorization", "Bearer a b"));
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"qos\": 1}")).hasMessageStartingWith("$.qos: unknown key");
        assertThatThrownBy(() -> SubscriptionRequest.parse("{\"callbackUrl\": \"http://x\", \"secret\": \"short\"}")).hasMessageStartingWith("$.secret:");
        assertThatThrownBy(() -> SubscriptionRequest.parse("nope")).hasMessageStartingWith("$: the body is not JSON");
    }

    @Test
    void backOffDoublesUpToItsCap() {
        Mqtt5EndpointConfig.ReconnectBackoff b = new Mqtt5EndpointConfig.ReconnectBackoff(1000, 5000);
        assertThat(b.delayMs(1)).isEqualTo(1000);
        assertThat(b.delayMs(2)).isEqualTo(2000);
        assertThat(b.delayMs(3)).isEqualTo(4000);
        assertThat(b.delayMs(4)).isEqualTo(5000);
        EntrypointOptions.Retry r = new EntrypointOptions.Retry(5, 100, 300, 2.0);
        assertThat(r.delayMs(1)).isEqualTo(100);
        assertThat(r.delayMs(2)).isEqualTo(200);
        assertThat(r.delayMs(3)).isEqualTo(300);
    }
}
