package dev.tern.coap;

/**
 * Checks on the identifiers that end up in MQTT topic names (device ids, tenants, resource paths):
 * a wildcard or an extra level there would let one tenant's data land on another's topics.
 */
final class Names {
    private static final int MAX_LENGTH = 1024;

    private Names() {
    }

    /** What is wrong with a device id or tenant (one topic level), or {@code null} if it is fine. */
    static String levelProblem(String s) {
        if (s.isEmpty()) {
            return "must not be empty";
        }
        if (s.indexOf('/') >= 0) {
            return "must not contain '/' (it is one MQTT topic level)";
        }
        return textProblem(s);
    }

    /**
     * The resource path as it appears in topics: without a leading '/' ("/a/b" and "a/b" are the
     * same resource), or {@code null} if it cannot be a topic suffix ({@link #resourceProblem} says why).
     */
    static String normalizeResource(String path) {
        return resourceProblem(path) == null ? strip(path) : null;
    }

    static String resourceProblem(String path) {
        String p = strip(path);
        if (p.isEmpty()) {
            return "must not be empty";
        }
        if (p.startsWith("/") || p.endsWith("/") || p.contains("//")) {
            return "must not have an empty segment";
        }
        return textProblem(p);
    }

    private static String strip(String path) {
        return path.startsWith("/") ? path.substring(1) : path;
    }

    private static String textProblem(String s) {
        if (s.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+' || c == '#' || c == '\0') {
                return "must not contain the MQTT wildcards '+', '#' or U+0000";
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "is not well-formed text (a lone UTF-16 surrogate)";
            }
        }
        return null;
    }
}
