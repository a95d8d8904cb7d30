package dev.tern.coap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The MQTT topic a CoAP message is published on, e.g. {@code {tenantId}/read/{deviceId}/{resource}}.
 * Placeholders: {@code {tenantId}}, {@code {deviceId}}, {@code {resource}} (the resource path, which
 * may itself contain '/'). {@code {tenantId}} is required: without it the tenants' data would share
 * topics, which is the one thing the bridge must not do.
 */
public final class TopicTemplate {
    public static final String DEFAULT = "{tenantId}/read/{deviceId}/{resource}";
    private static final Set<String> PLACEHOLDERS = Set.of("tenantId", "deviceId", "resource");
    /** [MQTT-1.5.4] UTF-8 strings are at most 65535 bytes. */
    private static final int MAX_TOPIC_BYTES = 65535;

    private final String text;
    /** Alternating literal text and placeholder names; a placeholder part starts with '{'. */
    private final List<String> parts;

    private TopicTemplate(String text, List<String> parts) {
        this.text = text;
        this.parts = parts;
    }

    /** @throws IllegalArgumentException with a message saying what is wrong and what is allowed */
    public static TopicTemplate parse(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        List<String> parts = new ArrayList<>();
        int i = 0;
        boolean tenant = false;
        while (i < text.length()) {
            int open = text.indexOf('{', i);
            int close = text.indexOf('}', i);
            if (close >= 0 && (open < 0 || close < open)) {
                throw new IllegalArgumentException("has a '}' without '{' at position " + close);
            }
            if (open < 0) {
                parts.add(literal(text.substring(i)));
                break;
            }
            if (open > i) {
                parts.add(literal(text.substring(i, open)));
            }
            if (close < 0) {
                throw new IllegalArgumentException("has a '{' without '}' at position " + open);
            }
            String name = text.substring(open + 1, close);
            if (!PLACEHOLDERS.contains(name)) {
                throw new IllegalArgumentException("has an unknown placeholder {" + name + "}: use {tenantId}, {deviceId}, {resource}");
            }
            tenant |= name.equals("tenantId");
            parts.add("{" + name);
            i = close + 1;
        }
        if (!tenant) {
            throw new IllegalArgumentException("must contain {tenantId}, so that each tenant's data stays on its own topics");
        }
        if (text.startsWith("$")) {
            throw new IllegalArgumentException("must not start with '$' (topics starting with '$' are the broker's)");
        }
        return new TopicTemplate(text, List.copyOf(parts));
    }

    private static String literal(String s) {
        if (s.indexOf('+') >= 0 || s.indexOf('#') >= 0 || s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("must not contain the wildcards '+', '#' or the character U+0000");
        }
        return s;
    }

    /**
     * The topic for one message. Identifiers are checked when they enter the bridge (registry load,
     * push path), so the result is a valid topic name unless it is too long.
     *
     * @throws IllegalArgumentException if the topic would be longer than MQTT allows
     */
    public String render(String tenantId, String deviceId, String resource) {
        StringBuilder b = new StringBuilder(text.length() + 64);
        for (String p : parts) {
            switch (p) {
                case "{tenantId" -> b.append(tenantId);
                case "{deviceId" -> b.append(deviceId);
                case "{resource" -> b.append(resource);
                default -> b.append(p);
            }
        }
        String topic = b.toString();
        if (topic.getBytes(StandardCharsets.UTF_8).length > MAX_TOPIC_BYTES) {
            throw new IllegalArgumentException("topic longer than 65535 bytes");
        }
        return topic;
    }

    @Override
    public String toString() {
        return text;
    }
}
