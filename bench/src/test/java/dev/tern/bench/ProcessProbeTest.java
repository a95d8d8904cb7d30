package dev.tern.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessProbeTest {

    @Test
    void rssIsReadFromProcStatus() {
        String status = "Name:\tmosquitto\nVmPeak:\t  20000 kB\nVmRSS:\t    8644 kB\nRssAnon:\t 1000 kB\n";
        assertThat(ProcessProbe.parseRssKb(status)).hasValue(8644);
        assertThat(ProcessProbe.parseRssKb("Name:\tx\n")).isEmpty();
    }

    @Test
    void cpuTimeCountsFieldsAfterTheCommandNameEvenWhenItHoldsSpacesAndParentheses() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        String stat = "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 1000 200";
        assertThat(ProcessProbe.parseCpuNanos(stat)).hasValue(300 * 10_000_000L);
    }

    @Test
    void liveHeapIsTheTotalLineOfTheClassHistogram() {
        String histogram = """
            12345:
             num     #instances         #bytes  class name (module)
            -------------------------------------------------------
               1:         10000        1200000  [B (java.base@17)
               2:          5000         120000  java.lang.String (java.base@17)
            Total         15000        1320000
            """;
        assertThat(ProcessProbe.parseHistogramTotal(histogram)).hasValue(1320000);
        assertThat(ProcessProbe.parseHistogramTotal("12345:\nno such process\n")).isEmpty();
    }

    @Test
    void thisProcessCanBeMeasured() {
        long pid = ProcessHandle.current().pid();
        assertThat(ProcessProbe.rssKb(pid).orElse(0)).isPositive();
        assertThat(ProcessProbe.cpuNanos(pid)).isPresent();
        assertThat(ProcessProbe.isJvm(pid)).isTrue();
        assertThat(ProcessProbe.ownCpuNanos()).isPositive();
    }
}
