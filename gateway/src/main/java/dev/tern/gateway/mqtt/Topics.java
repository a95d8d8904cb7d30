package dev.tern.gateway.mqtt;

import java.nio.charset.StandardCharsets;

/** Topic names and filters as MQTT 5 §4.7 defines them, and the containment check behind the 403 on overrides. */
public final class Topics {
    private Topics() {
    }

    /** Why {@code topic} is not a valid topic name to publish to, or null when it is. */
    public static String nameProblem(String topic) {
        String p = common(topic);
        if (p != null) {
            return p;
        }
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            // [MQTT-3.3.2-2] the Topic Name in a PUBLISH MUST NOT contain wildcard characters
            return "a topic to publish to must not contain + or #";
        }
        return null;
    }

    /** Why {@code filter} is not a valid topic filter to subscribe to, or null when it is. */
    public static String filterProblem(String filter) {
        String p = common(filter);
        if (p != null) {
            return p;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if (l.contains("#") && (!l.equals("#") || i != levels.length - 1)) {
                // [MQTT-4.7.1-1] # must be the last character, alone in its level
                return "# must be alone in the last level of a filter";
            }
            if (l.contains("+") && !l.equals("+")) {
                // [MQTT-4.7.1-2] + must occupy an entire level
                return "+ must occupy a whole level of a filter";
            }
        }
        return null;
    }

    private static String common(String t) {
        if (t == null || t.isEmpty()) {
            return "must not be empty"; // [MQTT-4.7.3-1]
        }
        if (t.indexOf('\u0000') >= 0) {
            return "must not contain U+0000"; // [MQTT-4.7.3-2]
        }
        if (t.getBytes(StandardCharsets.UTF_8).length > 65535) {
            return "is longer than 65535 bytes";
        }
        if (t.startsWith("$share/")) {
            return "must not start with $share/: the gateway builds the shared subscription itself";
        }
        return null;
    }

    /** MQTT topic matching; a leading wildcard does not match a topic starting with $ [MQTT-4.7.2-1]. */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    /** True when every topic that {@code inner} matches is also matched by {@code outer}. */
    public static boolean covers(String outer, String inner) {
        if (inner.startsWith("$") != outer.startsWith("$") && (outer.startsWith("+") || outer.startsWith("#"))) {
            return false;
        }
        String[] o = outer.split("/", -1);
        String[] n = inner.split("/", -1);
        for (int i = 0; i < o.length; i++) {
            if (o[i].equals("#")) {
                return true;
            }
            if (i >= n.length) {
                return false;
            }
            if (n[i].equals("#")) {
                return false;
            }
            if (o[i].equals("+")) {
                continue;
            }
            if (n[i].equals("+") || !o[i].equals(n[i])) {
                return false;
            }
        }
        return o.length == n.length;
    }

    /** A shared subscription group name must not contain /, + or # [MQTT-4.8.2-2]; anything else is kept. */
    public static String groupName(String identity) {
        StringBuilder b = new StringBuilder(identity.length());
        for (int i = 0; i < identity.length(); i++) {
            char c = identity.charAt(i);
            b.append(c == '/' || c == '+' || c == '#' || Character.isISOControl(c) ? '_' : c);
        }
        return b.length() == 0 ? "_" : b.toString();
    }
}
