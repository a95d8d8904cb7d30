package dev.tern.gateway.mqtt;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class TopicsTest {
    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
        "a/#, a, true", "a/#, a/b/c, true", "a/+, a/b, true", "a/+, a/b/c, false", "+/b, a/b, true",
        "#, $SYS/x, false", "+/x, $SYS/x, false", "$SYS/#, $SYS/x, true", "a/b, a/b, true", "a/b, a/c, false",
        "a/+/c, a//c, true"
    })
    void matchesLikeMqtt5Section4_7(String filter, String topic, boolean expected) {
        assertThat(Topics.matches(filter, topic)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource({
        "demo/#, demo/a/b, true", "demo/#, demo/+, true", "demo/#, demo/#, true", "demo/#, demo, true",
        "demo/+, demo/a, true", "demo/+, demo/+, true", "demo/+, demo/#, false", "demo/+, demo/a/b, false",
        "demo/a, demo/+, false", "demo/a, demo/a, true", "#, secret/x, true", "#, $SYS/x, false", "demo/#, other/#, false",
        "+/a, +/a, true", "a/+/c, a/b/c, true", "a/+/c, a/b/#, false"
    })
    void coversOnlyWhenEveryMatchingTopicStaysInside(String outer, String inner, boolean expected) {
        assertThat(Topics.covers(outer, inner)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "filter {0}")
    @CsvSource({"a/#/b", "a/b#", "a+/b", "$share/g/a"})
    void badFiltersAreNamed(String filter) {
        assertThat(Topics.filterProblem(filter)).isNotNull();
    }

    @ParameterizedTest(name = "name {0}")
    @CsvSource({"a/+", "a/#", "$share/g/a"})
    void badNamesAreNamed(String name) {
        assertThat(Topics.nameProblem(name)).isNotNull();
    }

    @ParameterizedTest(name = "group of {0} is {1}")
    @CsvSource({"app-1, app-1", "a/b, a_b", "a+b#c, a_b_c", "'', _"})
    void sharedGroupNamesHaveNoSlashOrWildcard(String identity, String group) {
        assertThat(Topics.groupName(identity)).isEqualTo(group);
    }
}
