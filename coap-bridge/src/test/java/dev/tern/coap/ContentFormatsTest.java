package dev.tern.coap;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ContentFormatsTest {
    @Test
    void mapsTheCommonSensorFormats() {
        assertThat(ContentFormats.contentType(0)).hasValue("text/plain;charset=utf-8");
        assertThat(ContentFormats.contentType(42)).hasValue("application/octet-stream");
        assertThat(ContentFormats.contentType(50)).hasValue("application/json");
        assertThat(ContentFormats.contentType(60)).hasValue("application/cbor");
        assertThat(ContentFormats.contentType(110)).hasValue("application/senml+json");
        assertThat(ContentFormats.contentType(112)).hasValue("application/senml+cbor");
    }

    @Test
    void noFormatOrAnUnknownOneGivesNoContentType() {
        assertThat(ContentFormats.contentType(-1)).isEmpty();
        assertThat(ContentFormats.contentType(65000)).isEmpty();
    }
}
