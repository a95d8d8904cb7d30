package dev.tern.broker.conformance;

import dev.tern.broker.test.EmbeddedBroker;
import dev.tern.testkit.Packets;
import dev.tern.testkit.Props;
import dev.tern.testkit.RawClient;
import dev.tern.testkit.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 4.7, topic names and filters: the wildcard rules and examples of the specification,
 * '$' topics, case, empty levels, and the length limits.
 */
class Ch4TopicsIT {
    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    private static RawClient client(int version, String id) {
        return version == Packets.V5 ? Raw.v5(broker.port(), id) : Raw.v311(broker.port(), id);
    }

    /** Whether a message to {@code topic} reaches a subscription to {@code filter}. */
    private static boolean matches(int version, String filter, String topic) {
        try (RawClient c = client(version, "match-" + version)) {
            Raw.subscribe(c, version, 1, filter, 0);
            c.send(Packets.publish(version, topic, 0, false, false, 0, Props.none(), Raw.utf8("probe")));
            c.send(Packets.pingreq());
            Received r = c.receive();
            if (r.type() == Received.PINGRESP) {
                return false;
            }
            assertThat(r.publish().topic()).isEqualTo(topic);
            c.expect(Received.PINGRESP);
            return true;
        }
    }

    /** The examples of sections 4.7.1 and 4.7.3, and a few edges. */
    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource({
        "sport/tennis/player1/#, sport/tennis/player1, true",
        "sport/tennis/player1/#, sport/tennis/player1/ranking, true",
        "sport/tennis/player1/#, sport/tennis/player1/score/wimbledon, true",
        "sport/#, sport, true",
        "'#', sport/tennis, true",
        "sport/tennis/+, sport/tennis/player1, true",
        "sport/tennis/+, sport/tennis/player1/tracking, false",
        "sport/+, sport, false",
        "sport/+, sport/, true",
        "+/+, /finance, true",
        "/+, /finance, true",
        "+, /finance, false",
        "+/tennis/#, sport/tennis/player1, true",
        "a/+/b, a//b, true",
        "ACCOUNTS, Accounts, false",
        "Accounts payable, Accounts payable, true",
        "/, /, true",
        "a/b, a/b/, false",
    })
    @Conformance({"v311:MQTT-4.7.1-2", "v311:MQTT-4.7.1-3", "v311:MQTT-3.3.2-3", "v311:MQTT-4.7.3-4"})
    void v311Matching(String filter, String topic, boolean expected) {
        assertThat(matches(Packets.V311, filter, topic)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource({
        "sport/tennis/player1/#, sport/tennis/player1, true",
        "sport/tennis/player1/#, sport/tennis/player1/score/wimbledon, true",
        "sport/#, sport, true",
        "sport/tennis/+, sport/tennis/player1/tracking, false",
        "sport/+, sport, false",
        "sport/+, sport/, true",
        "+/+, /finance, true",
        "+, /finance, false",
        "a/+/b, a//b, true",
        "ACCOUNTS, Accounts, false",
    })
    @Conformance({"v5:MQTT-4.7.1-1", "v5:MQTT-4.7.1-2", "v5:MQTT-3.3.2-3", "v5:MQTT-4.7.3-4"})
    void v5Matching(String filter, String topic, boolean expected) {
        assertThat(matches(Packets.V5, filter, topic)).isEqualTo(expected);
    }

    /** Paho's test_dollar_topics: a filter starting with a wildcard does not match a topic starting with '$'. */
    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource({
        "'#', $SYS/monitor/Clients, false",
        "+/monitor/Clients, $SYS/monitor/Clients, false",
        "+/+, $TopicA/B, false",
        "$SYS/#, $SYS/monitor/Clients, true",
        "$SYS/monitor/+, $SYS/monitor/Clients, true",
        "$SYS/+/Clients, $SYS/monitor/Clients, true",
        "'#', a/$b, true",
        "+/+, a/$b, true",
    })
    @Conformance({"v311:MQTT-4.7.2-1", "v5:MQTT-4.7.2-1"})
    void dollarTopicsAreNotMatchedByLeadingWildcards(String filter, String topic, boolean expected) {
        assertThat(matches(Packets.V311, filter, topic)).isEqualTo(expected);
        assertThat(matches(Packets.V5, filter, topic)).isEqualTo(expected);
    }

    /** The same rule for retained messages: a new subscription to '#' or '+/...' gets no retained $ topic. */
    @Test
    @Conformance({"v311:MQTT-4.7.2-1", "v5:MQTT-4.7.2-1"})
    void retainedDollarTopicsAreNotSentToLeadingWildcards() {
        try (RawClient p = Raw.v311(broker.port(), "dollar-retained-pub")) {
            p.send(Packets.publish(Packets.V311, "$dr/kept", 1, true, false, 1, new byte[0], Raw.utf8("dollar")));
            p.expect(Received.PUBACK);
            p.send(Packets.publish(Packets.V311, "dr/kept", 1, true, false, 2, new byte[0], Raw.utf8("plain")));
            p.expect(Received.PUBACK);
        }
        try (RawClient s = Raw.v311(broker.port(), "dollar-retained-sub")) {
            Raw.subscribe(s, Packets.V311, 1, "+/kept", 0);
            assertThat(Raw.publish(s).payloadText()).isEqualTo("plain");
            s.expectNothing(Raw.QUIET);
            Raw.subscribe(s, Packets.V311, 2, "$dr/+", 0);
            assertThat(Raw.publish(s).payloadText()).isEqualTo("dollar");
        }
        try (RawClient p = Raw.v311(broker.port(), "dollar-retained-clear")) {
            p.send(Packets.publish(Packets.V311, "$dr/kept", 0, true, false, 0, new byte[0], new byte[0]));
            p.send(Packets.publish(Packets.V311, "dr/kept", 0, true, false, 0, new byte[0], new byte[0]));
            p.send(Packets.pingreq());
            p.expect(Received.PINGRESP);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sport/tennis#", "sport/tennis/#/ranking", "sport+", "sport/+tennis", "+sport", "##", "", "a/#/"})
    @Conformance({"v311:MQTT-4.7.1-2", "v311:MQTT-4.7.1-3", "v311:MQTT-4.7.3-1", "v311:MQTT-3.8.4-5"})
    void v311InvalidFiltersAreRefused(String filter) {
        try (RawClient c = Raw.v311(broker.port(), "bad-filter-311")) {
            c.send(Packets.subscribe(Packets.V311, 1, filter, 0));
            assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(0x80);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sport/tennis#", "sport/tennis/#/ranking", "sport+", "sport/+tennis", "+sport", "##", "", "a/#/"})
    @Conformance({"v5:MQTT-4.7.1-1", "v5:MQTT-4.7.1-2", "v5:MQTT-4.7.3-1", "v5:MQTT-3.8.4-7"})
    void v5InvalidFiltersAreRefused(String filter) {
        try (RawClient c = Raw.v5(broker.port(), "bad-filter-5")) {
            c.send(Packets.subscribe(Packets.V5, 1, filter, 0));
            assertThat(c.expect(Received.SUBACK).suback().reasonCodes()).containsExactly(0x8F);
        }
    }

    /** A topic name of 65535 bytes, the most a UTF-8 string can hold, is a valid topic. */
    @ParameterizedTest
    @ValueSource(ints = {Packets.V311, Packets.V5})
    @Conformance({"v311:MQTT-4.7.3-3", "v5:MQTT-4.7.3-3"})
    void longestTopicNameIsAccepted(int version) {
        String topic = "t/" + "x".repeat(65533);
        try (RawClient c = client(version, "longest-" + version)) {
            Raw.subscribe(c, version, 1, topic, 0);
            c.send(Packets.publish(version, topic, 0, false, false, 0, Props.none(), Raw.utf8("long")));
            Received.Publish p = Raw.publish(c);
            assertThat(p.topic()).hasSize(65535);
            assertThat(p.payloadText()).isEqualTo("long");
        }
    }

    /** Multi-byte characters in topics are matched and forwarded byte for byte. */
    @Test
    @Conformance({"v5:MQTT-4.7.3-4", "v5:MQTT-1.5.4-1"})
    void v5NonAsciiTopicsMatchExactly() {
        assertThat(matches(Packets.V5, "\u00fcber/+/\u6771\u4eac", "\u00fcber/\ud83d\ude80/\u6771\u4eac")).isTrue();
        assertThat(matches(Packets.V5, "\u00fcber/#", "u\u0308ber/x")).isFalse();
    }
}
