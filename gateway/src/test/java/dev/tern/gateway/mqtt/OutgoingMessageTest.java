package dev.tern.gateway.mqtt;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OutgoingMessageTest {
    @Test
    void headersKeepTheirOrderAsUserPropertiesAndAreCopied() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("z-first", new ArrayList<>(List.of("1")));
        headers.put("a-second", new ArrayList<>(List.of("2", "3")));
        headers.put("m-third", List.of("4"));
        OutgoingMessage m = new OutgoingMessage(new byte[0], headers, Map.of(), null);
        headers.put("late", List.of("x"));
        headers.get("z-first").add("y");
        assertThat(m.headers().keySet()).containsExactly("z-first", "a-second", "m-third");
        assertThat(m.headerPairs()).containsExactly(Map.entry("z-first", "1"), Map.entry("a-second", "2"),
            Map.entry("a-second", "3"), Map.entry("m-third", "4"));
    }
}
