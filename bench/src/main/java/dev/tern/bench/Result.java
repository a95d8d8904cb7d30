package dev.tern.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one run measured, as named values in a fixed order: printed for people, written as JSON for
 * bench/compare.sh. Keys are documented in bench/README.md.
 */
public final class Result {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Map<String, Object> values = new LinkedHashMap<>();

    Result put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    public Map<String, Object> values() {
        return Collections.unmodifiableMap(values);
    }

    public Object get(String key) {
        return values.get(key);
    }

    public long getLong(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no value " + key + " in " + values.keySet());
        }
        return ((Number) v).longValue();
    }

    public double getDouble(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no value " + key + " in " + values.keySet());
        }
        return ((Number) v).doubleValue();
    }

    /** Latency percentiles (microseconds) from a histogram, under a prefix such as "latency". */
    Result percentiles(String prefix, Histogram h) {
        if (h.getTotalCount() == 0) {
            return this;
        }
        put(prefix + "Count", h.getTotalCount());
        put(prefix + "MeanUs", round(h.getMean()));
        put(prefix + "P50Us", h.getValueAtPercentile(50));
        put(prefix + "P90Us", h.getValueAtPercentile(90));
        put(prefix + "P99Us", h.getValueAtPercentile(99));
        put(prefix + "P999Us", h.getValueAtPercentile(99.9));
        put(prefix + "MaxUs", h.getMaxValue());
        return this;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), values);
    }

    /** One line per value, aligned, for the terminal. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        int width = values.keySet().stream().mapToInt(String::length).max().orElse(0);
        values.forEach((k, v) -> {
            sb.append("  ").append(k).append(" ".repeat(width - k.length())).append("  ");
            sb.append(v instanceof Double d ? String.format(java.util.Locale.ROOT, "%,.1f", d)
                : v instanceof Long || v instanceof Integer ? String.format(java.util.Locale.ROOT, "%,d", v) : v);
            sb.append('\n');
        });
        return sb.toString();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
