package dev.tern.gateway.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class AcceptNegotiationTest {
    @ParameterizedTest(name = "Accept: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULLV", value = {
        "NULLV | TEXT", "'' | TEXT", "application/json | JSON", "application/xml | XML", "text/plain | TEXT",
        "*/* | JSON", "text/html, */*;q=0.1 | JSON", "application/xml;q=0.5, application/json;q=0.9 | JSON",
        "text/plain;q=1, application/json;q=0.2 | TEXT", "image/png | NONE", "application/json;q=0 | NONE",
        "text/html, text/plain;q=0.8 | TEXT"
    })
    void choosesByQualityLikeTheReference(String accept, String expected) {
        AcceptNegotiation.Format f = AcceptNegotiation.choose(accept);
        assertThat(f == null ? "NONE" : f.name()).isEqualTo(expected);
    }
}
