package dev.tern.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Reads what the bench reports about processes: the broker's resident memory and CPU time from
 * /proc, a JVM broker's live heap through jcmd, and the generator's own CPU time.
 */
final class ProcessProbe {
    /** Linux reports utime and stime in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcessProbe() {
    }

    /** CPU time (user + system) this JVM has used, in nanoseconds. */
    static long ownCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** VmRSS of a process in KiB, or empty when it cannot be read. */
    static OptionalLong rssKb(long pid) {
        try {
            return parseRssKb(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong parseRssKb(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                return OptionalLong.of(Long.parseLong(parts[0]));
            }
        }
        return OptionalLong.empty();
    }

    /** User + system CPU time of a process in nanoseconds, or empty when it cannot be read. */
    static OptionalLong cpuNanos(long pid) {
        try {
            return parseCpuNanos(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong parseCpuNanos(String stat) {
        // the command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        // after ')' field 3 (state) is f[0]; utime is field 14, stime field 15
        if (f.length < 13) {
            return OptionalLong.empty();
        }
        return OptionalLong.of((Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK);
    }

    /** True when the process is a JVM (its executable is called java). */
    static boolean isJvm(long pid) {
        try {
            Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"));
            return exe.getFileName().toString().equals("java");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Bytes of live objects on a JVM's heap: {@code jcmd PID GC.class_histogram} runs a full GC and
     * counts what survives. Empty when jcmd is missing or cannot attach.
     */
    static OptionalLong liveHeapBytes(long pid) {
        try {
            Process p = new ProcessBuilder(jcmd(), Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return OptionalLong.empty();
            }
            return parseHistogramTotal(new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    /** The byte count of the "Total" line of a class histogram. */
    static OptionalLong parseHistogramTotal(String histogram) {
        List<String> lines = histogram.lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i).trim();
            if (line.startsWith("Total")) {
                String[] parts = line.split("\\s+");
                return OptionalLong.of(Long.parseLong(parts[parts.length - 1]));
            }
        }
        return OptionalLong.empty();
    }

    private static String jcmd() {
        return ProcessHandle.current().info().command()
            .map(Path::of)
            .map(java -> java.resolveSibling("jcmd"))
            .filter(Files::isExecutable)
            .map(Path::toString)
            .orElse("jcmd");
    }

    /** The soft limit on open files of this process, from /proc/self/limits, or empty. */
    static OptionalLong openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] parts = line.substring("Max open files".length()).trim().split("\\s+");
                    return parts[0].equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(parts[0]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
