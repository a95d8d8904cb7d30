package dev.tern.gateway.mqtt;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayLogTest {
    static GatewayMessage message(String content) {
        return new GatewayMessage(null, content.getBytes(), Map.of(), Map.of());
    }

    @Test
    void idsFollowTheDeliveryOrderAndResumeAfterAnyOfThem() {
        ReplayLog log = new ReplayLog(3);
        GatewayMessage a = log.number(message("a"));
        GatewayMessage b = log.number(message("b"));
        GatewayMessage c = log.number(message("c"));
        assertThat(List.of(a.id(), b.id(), c.id())).allMatch(id -> id.matches("[0-9a-f]+-[0-9]+")).doesNotHaveDuplicates();
        assertThat(log.after(a.id())).extracting(GatewayMessage::contentAsString).containsExactly("b", "c");
        assertThat(log.after(c.id())).isEmpty();
        log.number(message("d")); // "a" falls out of the log
        assertThat(log.after(a.id())).extracting(GatewayMessage::contentAsString).containsExactly("b", "c", "d");
    }

    @Test
    void foreignOrMalformedIdsReplayNothing() {
        ReplayLog log = new ReplayLog(3);
        String id = log.number(message("a")).id();
        String incarnation = id.substring(0, id.lastIndexOf('-'));
        log.number(message("b"));
        assertThat(log.after(null)).isEmpty();
        assertThat(log.after("")).isEmpty();
        assertThat(log.after("nope")).isEmpty();
        assertThat(log.after(incarnation + "-r0")).isEmpty();
        assertThat(log.after(new ReplayLog(3).number(message("x")).id())).isEmpty(); // another session's id
    }
}
