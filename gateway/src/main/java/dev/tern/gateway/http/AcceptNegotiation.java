package dev.tern.gateway.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * HTTP GET's content negotiation, as the reference does it: application/json, application/xml or
 * text/plain by the Accept header's quality values; a wildcard gives JSON, no header gives text,
 * anything else is refused (400).
 */
public final class AcceptNegotiation {
    public enum Format { JSON, XML, TEXT }

    private AcceptNegotiation() {
    }

    /** The format, or null when nothing in the header is supported. */
    public static Format choose(String accept) {
        if (accept == null || accept.isBlank()) {
            return Format.TEXT;
        }
        record Entry(String type, double q, int order) {
        }
        List<Entry> entries = new ArrayList<>();
        String[] parts = accept.split(",");
        for (int i = 0; i < parts.length; i++) {
            String[] params = parts[i].trim().split(";");
            String type = params[0].trim().toLowerCase(Locale.ROOT);
            double q = 1.0;
            for (int j = 1; j < params.length; j++) {
                String p = params[j].trim();
                if (p.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            if (q > 0) {
                entries.add(new Entry(type, q, i));
            }
        }
        entries.sort(Comparator.comparingDouble((Entry e) -> -e.q).thenComparingInt(e -> e.order));
        for (Entry e : entries) {
            switch (e.type) {
                case "application/json", "*/*", "application/*" -> {
                    return Format.JSON;
                }
                case "application/xml", "text/xml" -> {
                    return Format.XML;
                }
                case "text/plain", "text/*" -> {
                    return Format.TEXT;
                }
                default -> {
                    // not supported: look at the next one
                }
            }
        }
        return null;
    }
}
