package dev.tern.gateway.http;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.mqtt.GatewayMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/** The three bodies of an HTTP GET poll (reference §1.8): JSON, XML and text. */
public final class PollFormats {
    private PollFormats() {
    }

    /** What a poll returns. {@code limit} is echoed when the request gave one; {@code error} may be null. */
    public record Page(List<GatewayMessage> items, GatewayException error, String nextCursor, String limit,
                       boolean headers, boolean metadata) {
    }

    public static String contentType(AcceptNegotiation.Format f) {
        return switch (f) {
            case JSON -> "application/json";
            case XML -> "application/xml";
            case TEXT -> "text/plain";
        };
    }

    public static String render(AcceptNegotiation.Format f, Page page) {
        return switch (f) {
            case JSON -> json(page);
            case XML -> xml(page);
            case TEXT -> text(page);
        };
    }

    static String json(Page page) {
        JsonArray items = new JsonArray();
        for (GatewayMessage m : page.items()) {
            JsonObject item = new JsonObject().put("id", m.id()).put("content", m.contentAsString());
            if (page.headers()) {
                JsonObject h = new JsonObject();
                m.headers().forEach((k, v) -> h.put(k, new JsonArray(List.copyOf(v))));
                item.put("headers", h);
            }
            if (page.metadata()) {
                JsonObject md = new JsonObject();
                m.metadata().forEach(md::put);
                item.put("metadata", md);
            }
            items.add(item);
        }
        JsonObject o = new JsonObject().put("items", items);
        if (page.error() != null) {
            o.put("error", Responses.body(page.error()));
        }
        JsonObject pagination = new JsonObject();
        if (page.nextCursor() != null) {
            pagination.put("nextCursor", page.nextCursor());
        }
        if (page.limit() != null) {
            pagination.put("limit", page.limit());
        }
        o.put("pagination", pagination);
        return o.encode();
    }

    static String xml(Page page) {
        StringBuilder b = new StringBuilder("<response><items>");
        for (GatewayMessage m : page.items()) {
            b.append("<item><id>").append(escape(m.id())).append("</id><content>").append(cdata(m.contentAsString())).append("</content>");
            if (page.headers()) {
                b.append("<headers>");
                m.headers().forEach((k, v) -> element(b, k, String.join(",", v)));
                b.append("</headers>");
            }
            if (page.metadata()) {
                b.append("<metadata>");
                m.metadata().forEach((k, v) -> element(b, k, v));
                b.append("</metadata>");
            }
            b.append("</item>");
        }
        b.append("</items>");
        if (page.error() != null) {
            b.append("<error><key>").append(page.error().failure().name()).append("</key><message>")
                .append(escape(page.error().failure().message())).append("</message></error>");
        }
        b.append("<pagination>");
        if (page.nextCursor() != null) {
            b.append("<nextCursor>").append(escape(page.nextCursor())).append("</nextCursor>");
        }
        if (page.limit() != null) {
            b.append("<limit>").append(escape(page.limit())).append("</limit>");
        }
        return b.append("</pagination></response>").toString();
    }

    static String text(Page page) {
        StringBuilder b = new StringBuilder("items\n");
        for (GatewayMessage m : page.items()) {
            b.append("\nitem\nid: ").append(m.id()).append("\ncontent: ").append(m.contentAsString()).append('\n');
            if (page.headers()) {
                b.append("headers: ").append(braces(m.headers())).append('\n');
            }
            if (page.metadata()) {
                b.append("metadata: ").append(braces(m.metadata())).append('\n');
            }
        }
        if (page.error() != null) {
            b.append("\nerror\nkey: ").append(page.error().failure().name()).append("\nmessage: ")
                .append(page.error().failure().message()).append('\n');
        }
        b.append("\npagination\n");
        if (page.nextCursor() != null) {
            b.append("nextCursor: ").append(page.nextCursor()).append('\n');
        }
        if (page.limit() != null) {
            b.append("limit: ").append(page.limit()).append('\n');
        }
        return b.toString();
    }

    private static String braces(Map<String, ?> m) {
        StringBuilder b = new StringBuilder("{");
        m.forEach((k, v) -> {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(k).append('=').append(v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : v);
        });
        return b.append('}').toString();
    }

    private static void element(StringBuilder b, String name, String value) {
        String n = xmlName(name);
        b.append('<').append(n).append('>').append(escape(value)).append("</").append(n).append('>');
    }

    /** A header or metadata key as an XML element name: invalid characters become '_'. */
    static String xmlName(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = Character.isLetter(c) || c == '_' || (i > 0 && (Character.isDigit(c) || c == '-' || c == '.'));
            b.append(ok ? c : '_');
        }
        String s = b.length() == 0 ? "_" : b.toString();
        return s.regionMatches(true, 0, "xml", 0, 3) ? "_" + s : s;
    }

    static String cdata(String s) {
        // "]]>" cannot appear inside CDATA: split it across two sections
        return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
