package dev.tern.broker.routing;

/**
 * Topic name and topic filter rules (section 4.7), and the shared-subscription form
 * {@code $share/{group}/{filter}} (section 4.8.2).
 */
public final class Topics {
    public static final String SHARE_PREFIX = "$share/";

    private Topics() {
    }

    /** Why a topic name is not acceptable, or null when it is. */
    public static String checkTopicName(String topic, int maxLength) {
        if (topic.isEmpty()) {
            return "topic name is empty [MQTT-4.7.3-1]";
        }
        if (topic.length() > maxLength) {
            return "topic name is longer than " + maxLength + " characters";
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#') {
                return "topic name contains a wildcard [MQTT-3.3.2-2]";
            }
        }
        return null;
    }

    /** Why a topic filter (without a $share prefix) is not acceptable, or null when it is. */
    public static String checkTopicFilter(String filter, int maxLength) {
        if (filter.isEmpty()) {
            return "topic filter is empty [MQTT-4.7.3-1]";
        }
        if (filter.length() > maxLength) {
            return "topic filter is longer than " + maxLength + " characters";
        }
        int n = filter.length();
        for (int i = 0; i < n; i++) {
            char c = filter.charAt(i);
            if (c == '#') {
                // [MQTT-4.7.1-2] '#' stands alone in the last level
                if (i != n - 1 || (i > 0 && filter.charAt(i - 1) != '/')) {
                    return "'#' must be the whole last level of a topic filter [MQTT-4.7.1-2]";
                }
            } else if (c == '+') {
                // [MQTT-4.7.1-3] '+' occupies a whole level
                if ((i > 0 && filter.charAt(i - 1) != '/') || (i < n - 1 && filter.charAt(i + 1) != '/')) {
                    return "'+' must occupy a whole level of a topic filter [MQTT-4.7.1-3]";
                }
            }
        }
        return null;
    }

    public static boolean hasWildcard(String filter) {
        return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
    }

    public static boolean isShared(String filter) {
        return filter.startsWith(SHARE_PREFIX);
    }

    /** A parsed {@code $share/{group}/{filter}}. */
    public record SharedFilter(String group, String filter) {
    }

    /**
     * Parses a shared subscription filter.
     *
     * @throws IllegalArgumentException with the reason when it is not well formed [MQTT-4.8.2-1], [MQTT-4.8.2-2]
     */
    public static SharedFilter parseShared(String filter, int maxLength) {
        int slash = filter.indexOf('/', SHARE_PREFIX.length());
        if (slash < 0) {
            throw new IllegalArgumentException("shared subscription needs $share/{group}/{filter} [MQTT-4.8.2-2]");
        }
        String group = filter.substring(SHARE_PREFIX.length(), slash);
        if (group.isEmpty() || group.indexOf('+') >= 0 || group.indexOf('#') >= 0) {
            throw new IllegalArgumentException("share name must be non-empty without wildcards [MQTT-4.8.2-1]");
        }
        String inner = filter.substring(slash + 1);
        String problem = checkTopicFilter(inner, maxLength);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new SharedFilter(group, inner);
    }

    /** True when {@code filter} matches {@code topic}; the slow reference version of the tree's match. */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false; // [MQTT-4.7.2-1]
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
}
