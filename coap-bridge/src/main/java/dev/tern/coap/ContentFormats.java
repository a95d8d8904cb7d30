package dev.tern.coap;

import org.eclipse.californium.core.coap.MediaTypeRegistry;

import java.util.Map;
import java.util.Optional;

/**
 * CoAP Content-Format numbers (RFC 7252 §12.3, IANA "CoAP Content-Formats") to the MIME type sent
 * in the MQTT 5 Content Type property.
 */
final class ContentFormats {
    /** The formats sensors send most; the rest come from Californium's registry. */
    private static final Map<Integer, String> TYPES = Map.ofEntries(
        Map.entry(0, "text/plain;charset=utf-8"),
        Map.entry(40, "application/link-format"),
        Map.entry(41, "application/xml"),
        Map.entry(42, "application/octet-stream"),
        Map.entry(47, "application/exi"),
        Map.entry(50, "application/json"),
        Map.entry(51, "application/json-patch+json"),
        Map.entry(52, "application/merge-patch+json"),
        Map.entry(60, "application/cbor"),
        Map.entry(61, "application/cwt"),
        Map.entry(110, "application/senml+json"),
        Map.entry(111, "application/sensml+json"),
        Map.entry(112, "application/senml+cbor"),
        Map.entry(113, "application/sensml+cbor"),
        Map.entry(11542, "application/vnd.oma.lwm2m+tlv"),
        Map.entry(11543, "application/vnd.oma.lwm2m+json"),
        Map.entry(11544, "application/vnd.oma.lwm2m+cbor"));

    private ContentFormats() {
    }

    /** The MIME type of a Content-Format, or empty when the message has none (-1) or it is unknown. */
    static Optional<String> contentType(int contentFormat) {
        if (contentFormat < 0) {
            return Optional.empty();
        }
        String known = TYPES.get(contentFormat);
        if (known != null) {
            return Optional.of(known);
        }
        if (MediaTypeRegistry.getAllMediaTypes().contains(contentFormat)) {
            String mime = MediaTypeRegistry.toString(contentFormat);
            if (mime != null && !mime.startsWith("unknown")) {
                return Optional.of(mime.replace("; ", ";"));
            }
        }
        return Optional.empty();
    }
}
