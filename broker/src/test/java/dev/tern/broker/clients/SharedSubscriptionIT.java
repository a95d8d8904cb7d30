package dev.tern.broker.clients;

import dev.tern.broker.clients.TestClient.Kind;
import dev.tern.broker.clients.TestClient.Msg;
import dev.tern.broker.test.EmbeddedBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.tern.broker.clients.Await.await;

/**
 * Shared subscriptions {@code $share/{group}/{filter}} (section 4.8.2) with real clients: the
 * members of a group split the messages, each message to exactly one member; a group whose members
 * are all offline keeps the messages and hands them to the first member that comes back; a group
 * is independent of other groups and of non-shared subscriptions; retained messages are not sent
 * to shared subscriptions.
 */
class SharedSubscriptionIT {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int MESSAGES = 90;

    @RegisterExtension
    static EmbeddedBroker broker = EmbeddedBroker.withDefaults();

    @Test
    void membersSplitTheMessagesEachMessageToExactlyOneMember() {
        String name = TestClient.unique("sh");
        String topic = "sh/" + name + "/data";
        List<TestClient> members = List.of(
            TestClient.create(Kind.HIVEMQ_V5, name + "a", broker.port()),
            TestClient.create(Kind.HIVEMQ_V5, name + "b", broker.port()),
            TestClient.create(Kind.PAHO_V5, name + "c", broker.port()),
            TestClient.create(Kind.HIVEMQ_V311, name + "d", broker.port()));
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            for (TestClient m : members) {
                m.connect();
                assertThat(m.subscribe("$share/g/sh/" + name + "/+", 1)).isEqualTo(1);
            }
            pub.connect();
            List<String> sent = range("m", 0, MESSAGES);
            for (String p : sent) {
                pub.publish(topic, p, 1);
            }
            await().atMost(TIMEOUT).until(() -> total(members) >= MESSAGES);

            List<String> all = members.stream().flatMap(m -> m.payloads().stream()).toList();
            assertThat(all).containsExactlyInAnyOrderElementsOf(sent); // each exactly once
            for (TestClient m : members) {
                assertThat(m.payloads()).as(m.clientId()).isNotEmpty();
                // each member sees its share in publish order
                assertThat(m.payloads()).as(m.clientId()).isSortedAccordingTo(
                    (a, b) -> Integer.compare(sent.indexOf(a), sent.indexOf(b)));
            }
        } finally {
            members.forEach(TestClient::close);
        }
    }

    @Test
    void groupKeepsMessagesWhileNoMemberIsConnectedAndHandsThemToTheFirstBack() {
        String name = TestClient.unique("sq");
        String topic = "sq/" + name;
        String filter = "$share/q/" + topic;
        long qos0Before = broker.broker().metrics().droppedQos0Offline.sum();
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            for (Kind kind : List.of(Kind.HIVEMQ_V5, Kind.PAHO_V5)) {
                try (TestClient member = TestClient.create(kind, name, broker.port())) {
                    member.connect(true, null);
                    member.subscribe(filter, 2);
                    member.disconnect();
                }
            }
            pub.connect();
            List<Msg> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                pub.publish(topic, "q1-" + i, 1);
                expected.add(new Msg(topic, "q1-" + i, 1, false));
                pub.publish(topic, "q2-" + i, 2);
                expected.add(new Msg(topic, "q2-" + i, 2, false));
                pub.publish(topic, "q0-" + i, 0); // QoS 0 is not kept (queueQos0Messages false)
            }
            await().atMost(TIMEOUT).until(() -> broker.broker().metrics().droppedQos0Offline.sum() - qos0Before == 20);

            try (TestClient back = TestClient.create(Kind.PAHO_V5, name, broker.port())) {
                assertThat(back.connect(true, null)).isTrue();
                // a fence per QoS: Paho hands QoS 2 messages over later than QoS 1 ones
                pub.publish(topic, "fence1", 1);
                expected.add(new Msg(topic, "fence1", 1, false));
                pub.publish(topic, "fence2", 2);
                expected.add(new Msg(topic, "fence2", 2, false));
                await().atMost(TIMEOUT).until(() -> back.payloads().containsAll(List.of("fence1", "fence2")));
                assertThat(back.received()).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(back.received().stream().filter(m -> m.qos() == 1).toList())
                    .containsExactlyElementsOf(expected.stream().filter(m -> m.qos() == 1).toList());
            }
        }
    }

    @Test
    void newMemberSubscribingGetsWhatTheGroupKept() {
        String name = TestClient.unique("sn");
        String topic = "sn/" + name;
        try (TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port());
             TestClient newcomer = TestClient.create(Kind.HIVEMQ_V311, name + "n", broker.port())) {
            try (TestClient member = TestClient.create(Kind.HIVEMQ_V5, name + "m", broker.port())) {
                member.connect(true, null);
                member.subscribe("$share/g/" + topic, 1);
                member.disconnect();
            }
            pub.connect();
            List<String> sent = range("m", 0, 10);
            for (String p : sent) {
                pub.publish(topic, p, 1);
            }
            newcomer.connect();
            newcomer.subscribe("$share/g/" + topic, 1);
            await().atMost(TIMEOUT).until(() -> newcomer.received().size() == sent.size());
            assertThat(newcomer.payloads()).containsExactlyElementsOf(sent);
        }
    }

    @Test
    void remainingMembersGetEverythingWhenOneLeaves() {
        String name = TestClient.unique("sr");
        String topic = "sr/" + name;
        try (TestClient stays = TestClient.create(Kind.HIVEMQ_V5, name + "s", broker.port());
             TestClient leaves = TestClient.create(Kind.PAHO_V311, name + "l", broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            stays.connect();
            stays.subscribe("$share/g/" + topic, 1);
            leaves.connect();
            leaves.subscribe("$share/g/" + topic, 1);
            leaves.disconnect(); // clean session: its membership ends with it
            await().atMost(TIMEOUT).until(() -> broker.broker().sessions().get(leaves.clientId()) == null);
            pub.connect();
            List<String> sent = range("m", 0, 20);
            for (String p : sent) {
                pub.publish(topic, p, 1);
            }
            await().atMost(TIMEOUT).until(() -> stays.received().size() == sent.size());
            assertThat(stays.payloads()).containsExactlyElementsOf(sent);
        }
    }

    @Test
    void groupsAndNonSharedSubscriptionsEachGetTheirCopy() {
        String name = TestClient.unique("sg");
        String topic = "sg/" + name;
        try (TestClient both = TestClient.create(Kind.HIVEMQ_V5, name + "x", broker.port());
             TestClient other = TestClient.create(Kind.HIVEMQ_V5, name + "o", broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            both.connect();
            both.subscribe(topic, 1);
            both.subscribe("$share/one/" + topic, 1);
            other.connect();
            other.subscribe("$share/two/" + topic, 1);
            pub.connect();
            pub.publish(topic, "x", 1);
            pub.publish(topic, "fence", 1);
            await().atMost(TIMEOUT).until(() -> other.payloads().contains("fence")
                && both.payloads().stream().filter("fence"::equals).count() == 2);
            // one copy for the plain subscription and one as the only member of group "one"
            assertThat(both.payloads()).containsExactly("x", "x", "fence", "fence");
            assertThat(other.payloads()).containsExactly("x", "fence");
        }
    }

    @Test
    void retainedMessagesAreNotSentToSharedSubscriptions() {
        String name = TestClient.unique("st");
        String topic = "st/" + name;
        try (TestClient member = TestClient.create(Kind.HIVEMQ_V5, name + "m", broker.port());
             TestClient pub = TestClient.create(Kind.HIVEMQ_V5, name + "p", broker.port())) {
            pub.connect();
            pub.publish(topic, "retained", 1, true);
            member.connect();
            member.subscribe("$share/g/" + topic, 1);
            pub.publish(topic, "fence", 1);
            await().atMost(TIMEOUT).until(() -> member.payloads().contains("fence"));
            assertThat(member.payloads()).containsExactly("fence");
        }
    }

    private static int total(List<TestClient> members) {
        return members.stream().mapToInt(m -> m.received().size()).sum();
    }

    private static List<String> range(String prefix, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> prefix + i).toList();
    }

}
