package dev.tern.coap;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/**
 * A YAML/JSON node with the key path that leads to it, so every error names the key, the value and
 * what is allowed (the same messages as the broker's own configuration).
 */
final class ConfigNode {
    final JsonNode node;
    final String path;

    ConfigNode(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Requires a mapping whose keys are all among {@code keys}. */
    ConfigNode only(String... keys) throws CoapBridgeConfigException {
        if (!node.isObject()) {
            throw new CoapBridgeConfigException((path.isEmpty() ? "the file" : path) + " must be a mapping of keys to values");
        }
        Set<String> allowed = Set.of(keys);
        Iterator<String> it = node.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (!allowed.contains(k)) {
                String hint = closest(k, keys);
                throw new CoapBridgeConfigException("unknown key " + path(k)
                    + (hint != null ? " (did you mean " + path(hint) + "?)" : "") + "; allowed here: " + String.join(", ", keys));
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

    String string(String key) throws CoapBridgeConfigException {
        JsonNode v = node.get(key);
        if (!v.isValueNode()) {
            throw new CoapBridgeConfigException(path(key) + " must be a single value");
        }
        return v.asText();
    }

    String string(String key, String fallback) throws CoapBridgeConfigException {
        return has(key) ? string(key) : fallback;
    }

    String nonEmpty(String key) throws CoapBridgeConfigException {
        String s = string(key);
        if (s.isEmpty()) {
            throw new CoapBridgeConfigException(path(key) + " must not be empty");
        }
        return s;
    }

    boolean bool(String key, boolean fallback) throws CoapBridgeConfigException {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw new CoapBridgeConfigException(path(key) + " = " + v + " is not allowed: use true or false");
        }
        return v.booleanValue();
    }

    long longValue(String key, long min, long max, long fallback) throws CoapBridgeConfigException {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new CoapBridgeConfigException(path(key) + " = " + v + " is not allowed: use a whole number from " + min + " to " + max);
        }
        long l = v.longValue();
        if (l < min || l > max) {
            throw new CoapBridgeConfigException(path(key) + " = " + l + " is not allowed: use a whole number from " + min + " to " + max);
        }
        return l;
    }

    int integer(String key, int min, int max, int fallback) throws CoapBridgeConfigException {
        return (int) longValue(key, min, max, fallback);
    }

    Qos qos(String key, Qos fallback) throws CoapBridgeConfigException {
        if (!has(key)) {
            return fallback;
        }
        Qos q = Qos.parse(string(key));
        if (q == null) {
            throw new CoapBridgeConfigException(path(key) + " = " + node.get(key).asText()
                + " is not allowed: use AT_MOST_ONCE, AT_LEAST_ONCE or EXACTLY_ONCE (or 0, 1, 2)");
        }
        return q;
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
