package dev.tern.connectors;

import com.hazelcast.function.BiFunctionEx;
import com.hazelcast.jet.core.ProcessorMetaSupplier;
import com.hazelcast.jet.core.ProcessorSupplier;
import com.hazelcast.jet.pipeline.Sources;
import com.hazelcast.jet.pipeline.StreamSource;
import dev.tern.connectors.Subscription.QualityOfService;
import dev.tern.connectors.internal.BrokerUri;
import dev.tern.connectors.internal.SourceParams;
import dev.tern.connectors.internal.StreamMqttSourceP;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Builds an MQTT {@link StreamSource}. Get one with {@link MqttSources#builder()}.
 *
 * <pre>{@code
 * StreamSource<String> source = MqttSources.builder()
 *     .broker("tcp://broker:1883")
 *     .clientId("orders-consumer")
 *     .topic("orders/#")
 *     .keepSession()            // with a job guarantee: acknowledged only after each snapshot
 *     .autoReconnect()
 *     .mapToItemFn((topic, message) -> message.payloadAsString())
 *     .build();
 * }</pre>
 *
 * @param <T> the type of the emitted items ({@code byte[]} payloads unless {@link #mapToItemFn} says otherwise)
 */
public final class MqttSourceBuilder<T> extends AbstractMqttBuilder<MqttSourceBuilder<T>> {
    private String topic;
    private QualityOfService qualityOfService = QualityOfService.AT_LEAST_ONCE;
    private boolean qualityOfServiceSet;
    private List<Subscription> subscriptions;
    private String sharedGroup;
    private BiFunctionEx<String, MqttMessage, ?> mapToItemFn = (topic, message) -> message.payload();

    MqttSourceBuilder() {
    }

    /** Topic filter to subscribe to (wildcards allowed), at {@link #qualityOfService}. */
    public MqttSourceBuilder<T> topic(String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
        return this;
    }

    /** QoS for {@link #topic}. Default {@link QualityOfService#AT_LEAST_ONCE}. */
    public MqttSourceBuilder<T> qualityOfService(QualityOfService qualityOfService) {
        this.qualityOfService = Objects.requireNonNull(qualityOfService, "qualityOfService");
        this.qualityOfServiceSet = true;
        return this;
    }

    /** Several filters, each with its own QoS, in one SUBSCRIBE. Instead of {@link #topic}. */
    public MqttSourceBuilder<T> subscriptions(Subscription... subscriptions) {
        this.subscriptions = List.copyOf(Arrays.asList(subscriptions));
        return this;
    }

    /**
     * Makes the source distributed: every source processor on every member runs its own client
     * (client id {@code <clientId>-<global processor index>}) subscribed to
     * {@code $share/<group>/<filter>}, and the broker splits the messages among them. Set the
     * number of clients per member with the stage's {@code setLocalParallelism} (default 1).
     * Without this the source is a single client on one member.
     */
    public MqttSourceBuilder<T> sharedSubscription(String group) {
        this.sharedGroup = Objects.requireNonNull(group, "group");
        return this;
    }

    /** Maps the topic and message to the emitted item; returning null drops the message (it is still acknowledged). */
    @SuppressWarnings("unchecked")
    public <T_NEW> MqttSourceBuilder<T_NEW> mapToItemFn(BiFunctionEx<String, MqttMessage, T_NEW> mapToItemFn) {
        this.mapToItemFn = Objects.requireNonNull(mapToItemFn, "mapToItemFn");
        return (MqttSourceBuilder<T_NEW>) this;
    }

    /**
     * Checks the options and builds the source. Throws {@link IllegalArgumentException} or
     * {@link IllegalStateException} naming the option that is missing or wrong.
     */
    @SuppressWarnings("unchecked")
    public StreamSource<T> build() {
        List<Subscription> subs = subscriptions();
        if (sharedGroup != null) {
            if (sharedGroup.isEmpty() || sharedGroup.contains("/") || sharedGroup.contains("+") || sharedGroup.contains("#")) {
                throw new IllegalArgumentException("MqttSourceBuilder: sharedSubscription(\"" + sharedGroup
                    + "\") must be a non-empty name without '/', '+' or '#' [MQTT-4.8.2-2]");
            }
            for (Subscription s : subs) {
                if (s.getTopic().startsWith("$share/")) {
                    throw new IllegalArgumentException("MqttSourceBuilder: with sharedSubscription(...) give the plain filter, not "
                        + s.getTopic());
                }
            }
        }
        BrokerUri uri = brokerUri();
        MqttConnectOptions options = options();
        SourceParams<T> params = new SourceParams<>(uri, clientIdOrRandom(), options, subs, sharedGroup,
            (BiFunctionEx<String, MqttMessage, T>) mapToItemFn);
        ProcessorSupplier processors = ProcessorSupplier.of(() -> new StreamMqttSourceP<>(params));
        ProcessorMetaSupplier meta = sharedGroup == null
            ? ProcessorMetaSupplier.forceTotalParallelismOne(processors)
            : ProcessorMetaSupplier.preferLocalParallelismOne(processors);
        String name = "mqttSource(" + uri + " " + (sharedGroup == null ? "" : "$share/" + sharedGroup + " ") + subs + ")";
        return Sources.streamFromProcessor(name, meta);
    }

    private List<Subscription> subscriptions() {
        if (topic == null && subscriptions == null) {
            throw new IllegalStateException("MqttSourceBuilder: topic(...) or subscriptions(...) must be set");
        }
        if (topic != null && subscriptions != null) {
            throw new IllegalStateException("MqttSourceBuilder: set topic(...) or subscriptions(...), not both");
        }
        if (subscriptions != null) {
            if (subscriptions.isEmpty()) {
                throw new IllegalStateException("MqttSourceBuilder: subscriptions(...) must name at least one Subscription");
            }
            if (qualityOfServiceSet) {
                throw new IllegalStateException("MqttSourceBuilder: qualityOfService(...) applies to topic(...); "
                    + "with subscriptions(...) give each Subscription its QoS");
            }
            return subscriptions;
        }
        return List.of(Subscription.of(topic, qualityOfService));
    }
}
