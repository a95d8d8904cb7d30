package dev.tern.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** A JSON/YAML node with its JSON path, so every error names where it is. */
final class ConfigNode {
    final JsonNode node;
    final String path;

    ConfigNode(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    String path(String key) {
        return path + "." + key;
    }

    GatewayConfigException error(String problem) {
        return new GatewayConfigException(path, problem);
    }

    GatewayConfigException error(String key, String problem) {
        return new GatewayConfigException(path(key), problem);
    }

    /** Refuses any key not listed (the reference's schemas set additionalProperties:false). */
    ConfigNode only(String... keys) throws GatewayConfigException {
        if (!node.isObject()) {
            throw error("must be an object (a mapping of keys to values), not " + describe(node));
        }
        Set<String> allowed = Set.of(keys);
        Iterator<String> it = node.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (!allowed.contains(k)) {
                String hint = closest(k, keys);
                throw error(k, "unknown key" + (hint != null ? " (did you mean " + hint + "?)" : "")
                    + "; allowed here: " + String.join(", ", keys));
            }
        }
        return this;
    }

    boolean has(String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    ConfigNode child(String key) {
        return new ConfigNode(node.get(key), path(key));
    }

    ConfigNode required(String key) throws GatewayConfigException {
        if (!has(key)) {
            throw error(key, "is required");
        }
        return child(key);
    }

    List<ConfigNode> list(String key) throws GatewayConfigException {
        List<ConfigNode> out = new ArrayList<>();
        if (!has(key)) {
            return out;
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw error(key, "must be a list, not " + describe(v));
        }
        for (int i = 0; i < v.size(); i++) {
            out.add(new ConfigNode(v.get(i), path(key) + "[" + i + "]"));
        }
        return out;
    }

    String string(String key) throws GatewayConfigException {
        JsonNode v = node.get(key);
        if (!v.isTextual() && !v.isNumber() && !v.isBoolean()) {
            throw error(key, "must be a string, not " + describe(v));
        }
        return v.asText();
    }

    String string(String key, String defaultValue) throws GatewayConfigException {
        return has(key) ? string(key) : defaultValue;
    }

    String requiredString(String key) throws GatewayConfigException {
        if (!has(key)) {
            throw error(key, "is required");
        }
        String s = string(key);
        if (s.isBlank()) {
            throw error(key, "must not be empty");
        }
        return s;
    }

    List<String> strings(String key) throws GatewayConfigException {
        List<String> out = new ArrayList<>();
        for (ConfigNode n : list(key)) {
            if (!n.node.isTextual()) {
                throw n.error("must be a string, not " + describe(n.node));
            }
            out.add(n.node.asText());
        }
        return out;
    }

    boolean bool(String key, boolean defaultValue) throws GatewayConfigException {
        if (!has(key)) {
            return defaultValue;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw error(key, "= " + v + " is not allowed: use true or false");
        }
        return v.booleanValue();
    }

    long longValue(String key, long defaultValue, long min, long max) throws GatewayConfigException {
        if (!has(key)) {
            return defaultValue;
        }
        JsonNode v = node.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw error(key, "= " + v + " is not allowed: use a whole number from " + min + " to " + max);
        }
        long l = v.longValue();
        if (l < min || l > max) {
            throw error(key, "= " + l + " is not allowed: use a whole number from " + min + " to " + max);
        }
        return l;
    }

    int integer(String key, int defaultValue, int min, int max) throws GatewayConfigException {
        return (int) longValue(key, defaultValue, min, max);
    }

    <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) throws GatewayConfigException {
        if (!has(key)) {
            return defaultValue;
        }
        String raw = string(key);
        String norm = raw.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(norm)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name());
        }
        throw error(key, "= " + raw + " is not allowed: use one of " + String.join(", ", names));
    }

    static String describe(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isObject()) {
            return "an object";
        }
        if (v.isArray()) {
            return "a list";
        }
        return v.isTextual() ? "the string \"" + v.asText() + "\"" : v.toString();
    }

    private static String closest(String k, String[] keys) {
        String best = null;
        int bestDistance = 4;
        for (String c : keys) {
            int d = distance(k.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
