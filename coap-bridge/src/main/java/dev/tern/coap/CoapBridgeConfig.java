package dev.tern.coap;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the bridge is told, immutable, validated once. Keys, defaults and meaning are listed
 * in docs/coap-bridge.md; {@link CoapBridgeConfigParser} reads them from YAML.
 *
 * @param coapHost               address the CoAP endpoint binds (observations leave from it, pushes arrive on it)
 * @param coapPort               its UDP port; 0 picks a free one
 * @param ackTimeout             CoAP ACK_TIMEOUT: first retransmission delay of a confirmable message
 * @param maxRetransmit          CoAP MAX_RETRANSMIT
 * @param registryFile           the device registry file
 * @param registryReloadInterval how often the file is checked for changes; zero: never
 * @param retryInitialDelay      first delay before a failed observation is tried again (doubles up to the max)
 * @param retryMaxDelay          longest delay between tries
 * @param reregistrationBackoff  added to a notification's Max-Age before the bridge re-registers (RFC 7641 §3.3.1)
 * @param silenceTimeout         an observation without notification for this long is registered anew; zero: never
 * @param pushEnabled            whether devices may POST ("bubble up") to the bridge
 * @param topicTemplate          the topic of each PUBLISH
 * @param defaultQos             QoS of a PUBLISH unless the resource says otherwise
 * @param publishTimeout         how long a pushing device waits for the broker's acknowledgement before 5.03
 * @param maxPendingPublishes    PUBLISHes not yet acknowledged by the broker beyond which new messages are dropped
 * @param mqtt                   the broker to publish to
 */
public record CoapBridgeConfig(String coapHost, int coapPort, Duration ackTimeout, int maxRetransmit,
                               Path registryFile, Duration registryReloadInterval,
                               Duration retryInitialDelay, Duration retryMaxDelay, Duration reregistrationBackoff,
                               Duration silenceTimeout, boolean pushEnabled,
                               TopicTemplate topicTemplate, Qos defaultQos, Duration publishTimeout, int maxPendingPublishes,
                               MqttTarget mqtt) {

    public CoapBridgeConfig {
        Objects.requireNonNull(coapHost, "coapHost");
        Objects.requireNonNull(registryFile, "registryFile");
        Objects.requireNonNull(topicTemplate, "topicTemplate");
        Objects.requireNonNull(defaultQos, "defaultQos");
        Objects.requireNonNull(mqtt, "mqtt");
        if (coapPort < 0 || coapPort > 65535) {
            throw new IllegalArgumentException("coap.port = " + coapPort + " is not allowed: use 0..65535");
        }
        if (retryMaxDelay.compareTo(retryInitialDelay) < 0) {
            throw new IllegalArgumentException("observe.retryMaxDelay (" + retryMaxDelay.toMillis()
                + ") must not be below observe.retryInitialDelay (" + retryInitialDelay.toMillis() + ")");
        }
    }

    public static Builder builder(Path registryFile) {
        return new Builder(registryFile);
    }

    public Builder toBuilder() {
        Builder b = new Builder(registryFile);
        b.coapHost = coapHost;
        b.coapPort = coapPort;
        b.ackTimeout = ackTimeout;
        b.maxRetransmit = maxRetransmit;
        b.registryReloadInterval = registryReloadInterval;
        b.retryInitialDelay = retryInitialDelay;
        b.retryMaxDelay = retryMaxDelay;
        b.reregistrationBackoff = reregistrationBackoff;
        b.silenceTimeout = silenceTimeout;
        b.pushEnabled = pushEnabled;
        b.topicTemplate = topicTemplate;
        b.defaultQos = defaultQos;
        b.publishTimeout = publishTimeout;
        b.maxPendingPublishes = maxPendingPublishes;
        b.mqtt = mqtt;
        return b;
    }

    /** Defaults as documented in docs/coap-bridge.md. */
    public static final class Builder {
        private final Path registryFile;
        private String coapHost = "0.0.0.0";
        private int coapPort = 5683;
        private Duration ackTimeout = Duration.ofSeconds(2);
        private int maxRetransmit = 4;
        private Duration registryReloadInterval = Duration.ofSeconds(5);
        private Duration retryInitialDelay = Duration.ofSeconds(1);
        private Duration retryMaxDelay = Duration.ofSeconds(60);
        private Duration reregistrationBackoff = Duration.ofSeconds(2);
        private Duration silenceTimeout = Duration.ZERO;
        private boolean pushEnabled = true;
        private TopicTemplate topicTemplate = TopicTemplate.parse(TopicTemplate.DEFAULT);
        private Qos defaultQos = Qos.AT_LEAST_ONCE;
        private Duration publishTimeout = Duration.ofSeconds(10);
        private int maxPendingPublishes = 10_000;
        private MqttTarget mqtt = MqttTarget.of("localhost", 1883);

        private Builder(Path registryFile) {
            this.registryFile = registryFile;
        }

        public Builder coap(String host, int port) {
            this.coapHost = host;
            this.coapPort = port;
            return this;
        }

        public Builder ackTimeout(Duration d) {
            this.ackTimeout = d;
            return this;
        }

        public Builder maxRetransmit(int n) {
            this.maxRetransmit = n;
            return this;
        }

        public Builder registryReloadInterval(Duration d) {
            this.registryReloadInterval = d;
            return this;
        }

        public Builder retryDelays(Duration initial, Duration max) {
            this.retryInitialDelay = initial;
            this.retryMaxDelay = max;
            return this;
        }

        public Builder reregistrationBackoff(Duration d) {
            this.reregistrationBackoff = d;
            return this;
        }

        public Builder silenceTimeout(Duration d) {
            this.silenceTimeout = d;
            return this;
        }

        public Builder pushEnabled(boolean enabled) {
            this.pushEnabled = enabled;
            return this;
        }

        public Builder topicTemplate(String template) {
            this.topicTemplate = TopicTemplate.parse(template);
            return this;
        }

        public Builder defaultQos(Qos qos) {
            this.defaultQos = qos;
            return this;
        }

        public Builder publishTimeout(Duration d) {
            this.publishTimeout = d;
            return this;
        }

        public Builder maxPendingPublishes(int n) {
            this.maxPendingPublishes = n;
            return this;
        }

        public Builder mqtt(MqttTarget target) {
            this.mqtt = target;
            return this;
        }

        public CoapBridgeConfig build() {
            return new CoapBridgeConfig(coapHost, coapPort, ackTimeout, maxRetransmit, registryFile, registryReloadInterval,
                retryInitialDelay, retryMaxDelay, reregistrationBackoff, silenceTimeout, pushEnabled, topicTemplate,
                defaultQos, publishTimeout, maxPendingPublishes, mqtt);
        }
    }
}
