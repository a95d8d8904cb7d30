package dev.tern.broker.conformance;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code docs/conformance.md} true: every {@link Conformance} id must name a server-side
 * statement of the lists, and the committed report must equal what the tests and lists say now.
 * With {@code -Dconformance.write=true} it rewrites the report instead of failing.
 */
class ConformanceReportTest {

    @Test
    void everyAnnotationNamesAServerSideStatement() throws Exception {
        assertThat(new ConformanceReport().problems()).as("bad @Conformance ids").isEmpty();
    }

    @Test
    void committedReportIsCurrent() throws Exception {
        String rendered = new ConformanceReport().render();
        Path file = ConformanceReport.reportFile();
        if (Boolean.getBoolean(ConformanceReport.WRITE_PROPERTY)) {
            Files.writeString(file, rendered, StandardCharsets.UTF_8);
            return;
        }
        String committed = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        assertThat(committed)
            .as("docs/conformance.md is stale: a @Conformance annotation or a statement list changed. Regenerate it with\n  "
                + ConformanceReport.REGENERATE + "\nand commit the result")
            .isEqualTo(rendered);
    }
}
