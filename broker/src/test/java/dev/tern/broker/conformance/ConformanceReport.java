package dev.tern.broker.conformance;

import org.junit.jupiter.api.Disabled;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Builds {@code docs/conformance.md}: every numbered normative statement of MQTT 3.1.1 and 5.0
 * (from {@code src/test/resources/conformance/}), whom it binds, and the conformance tests that
 * name it in {@link Conformance}. {@link ConformanceReportTest} checks the committed file against
 * what this renders.
 */
final class ConformanceReport {
    static final String WRITE_PROPERTY = "conformance.write";
    static final String REGENERATE =
        "mvn -q -B -pl broker -am test -Dtest=ConformanceReportTest -D" + WRITE_PROPERTY + "=true";

    /** One statement of a statement list. */
    record Statement(String id, String applies, String summary) {
        boolean needsTest() {
            return applies.equals("server") || applies.equals("both");
        }
    }

    /** A specification: its statement list and the version prefixes tests use for it. */
    record Spec(String title, String resource, List<String> prefixes) {
    }

    static final List<Spec> SPECS = List.of(
        new Spec("MQTT 3.1.1", "conformance/mqtt-v311-statements.txt", List.of("v311", "v31")),
        new Spec("MQTT 5.0", "conformance/mqtt-v5-statements.txt", List.of("v5")));

    private final Map<Spec, Map<String, Statement>> statements = new LinkedHashMap<>();
    /** "v5:MQTT-3.3.4-9" -> test names. */
    private final Map<String, SortedSet<String>> claims = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    /** Disabled tests: the broker does not pass them yet. Test name -> "reason: ids". */
    private final Map<String, String> knownFailures = new TreeMap<>();

    ConformanceReport() throws IOException {
        for (Spec spec : SPECS) {
            statements.put(spec, load(spec.resource()));
        }
        scanTests();
        validate();
    }

    /** Mistakes in the annotations: unknown ids, unknown version prefixes, client-only statements claimed. */
    List<String> problems() {
        return problems;
    }

    private static Map<String, Statement> load(String resource) throws IOException {
        Map<String, Statement> map = new LinkedHashMap<>();
        try (InputStream in = ConformanceReport.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\\s*\\|\\s*", 3);
                if (parts.length != 3 || !List.of("server", "both", "client", "none").contains(parts[1])) {
                    throw new IOException(resource + ": bad line: " + line);
                }
                if (map.put(parts[0], new Statement(parts[0], parts[1], parts[2])) != null) {
                    throw new IOException(resource + ": duplicate id " + parts[0]);
                }
            }
        }
        return map;
    }

    /** Finds every method of this package's test classes that carries {@link Conformance}. */
    private void scanTests() throws IOException {
        URL here = ConformanceReport.class.getResource("");
        Path dir;
        try {
            dir = Path.of(here.toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException("cannot list the test classes at " + here, e);
        }
        String pkg = ConformanceReport.class.getPackageName();
        List<String> classNames;
        try (Stream<Path> files = Files.list(dir)) {
            classNames = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class"))
                .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length())).sorted().toList();
        }
        for (String name : classNames) {
            Class<?> type;
            try {
                type = Class.forName(name, false, ConformanceReport.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IOException("cannot load " + name, e);
            }
            for (Method m : type.getDeclaredMethods()) {
                Conformance c = m.getAnnotation(Conformance.class);
                if (c == null) {
                    continue;
                }
                String test = testName(type) + "." + m.getName();
                Disabled disabled = m.getAnnotation(Disabled.class);
                if (disabled != null) {
                    // a known failure covers nothing; it is listed on its own
                    knownFailures.put(test, disabled.value() + " (" + String.join(", ", c.value()) + ")");
                    continue;
                }
                for (String claim : c.value()) {
                    claims.computeIfAbsent(claim, k -> new TreeSet<>()).add(test);
                }
            }
        }
    }

    private static String testName(Class<?> type) {
        return type.getName().substring(type.getPackageName().length() + 1).replace('$', '.');
    }

    private void validate() {
        for (Map.Entry<String, SortedSet<String>> e : claims.entrySet()) {
            String claim = e.getKey();
            int colon = claim.indexOf(':');
            String prefix = colon < 0 ? "" : claim.substring(0, colon);
            String id = claim.substring(colon + 1);
            Spec spec = SPECS.stream().filter(s -> s.prefixes().contains(prefix)).findFirst().orElse(null);
            if (spec == null) {
                problems.add(claim + " (" + e.getValue() + "): the version prefix must be v5, v311 or v31");
                continue;
            }
            Statement s = statements.get(spec).get(id);
            if (s == null) {
                problems.add(claim + " (" + e.getValue() + "): no such statement in " + spec.resource());
            } else if (!s.needsTest()) {
                problems.add(claim + " (" + e.getValue() + "): the list says it applies to '" + s.applies()
                    + "', not to a server");
            }
        }
    }

    /** The tests naming a statement, those over MQTT 3.1 marked so. */
    private List<String> testsFor(Spec spec, String id) {
        List<String> tests = new ArrayList<>();
        for (String prefix : spec.prefixes()) {
            for (String test : claims.getOrDefault(prefix + ":" + id, new TreeSet<>())) {
                tests.add("`" + test + "`" + (prefix.equals("v31") ? " (3.1)" : ""));
            }
        }
        return tests;
    }

    String render() {
        StringBuilder md = new StringBuilder();
        md.append("# MQTT conformance\n\n");
        md.append("Generated by `ConformanceReportTest` from the `@Conformance` annotations of the raw-byte tests in\n");
        md.append("`broker/src/test/java/dev/tern/broker/conformance` and the statement lists in\n");
        md.append("`broker/src/test/resources/conformance`. Do not edit; regenerate with\n\n");
        md.append("```sh\n").append(REGENERATE).append("\n```\n\n");
        md.append("The lists hold every numbered normative statement (`[MQTT-x.y.z-n]`) of the OASIS standards\n");
        md.append("MQTT 3.1.1 (29 October 2014) and MQTT 5.0 (7 March 2019, its Appendix B), paraphrased in one line.\n");
        md.append("Each says whom it binds: *server*, *both* (a packet or behaviour rule for both sides: tested on\n");
        md.append("the server's own packets and on its handling of client packets that break it), *client* (not\n");
        md.append("applicable to a server) or *none* (not applicable to Tern, with the reason). A test names the\n");
        md.append("statements it checks as `v5:MQTT-3.3.4-9`, `v311:MQTT-3.1.2-4` or, over an MQTT 3.1 (`MQIsdp`)\n");
        md.append("connection, `v31:MQTT-3.1.2-2` (MQTT 3.1 has no numbered statements; Tern holds it to 3.1.1's).\n\n");

        md.append("## Summary\n\n");
        md.append("| | ").append(String.join(" | ", SPECS.stream().map(Spec::title).toList())).append(" |\n");
        md.append("|---|").append("---|".repeat(SPECS.size())).append("\n");
        summaryRow(md, "numbered statements", (spec, list) -> list.size());
        summaryRow(md, "binding the server (server or both)", (spec, list) -> count(list, Statement::needsTest));
        summaryRow(md, "... with a test", (spec, list) ->
            count(list, s -> s.needsTest() && !testsFor(spec, s.id()).isEmpty()));
        summaryRow(md, "... without a test", (spec, list) ->
            count(list, s -> s.needsTest() && testsFor(spec, s.id()).isEmpty()));
        summaryRow(md, "client only (not applicable)", (spec, list) -> count(list, s -> s.applies().equals("client")));
        summaryRow(md, "not applicable to Tern", (spec, list) -> count(list, s -> s.applies().equals("none")));
        md.append("\n");

        md.append("## Server-side statements without a test\n\n");
        for (Spec spec : SPECS) {
            md.append("### ").append(spec.title()).append("\n\n");
            boolean any = false;
            for (Statement s : statements.get(spec).values()) {
                if (s.needsTest() && testsFor(spec, s.id()).isEmpty()) {
                    md.append("- ").append(s.id()).append(": ").append(s.summary()).append("\n");
                    any = true;
                }
            }
            md.append(any ? "\n" : "None.\n\n");
        }

        md.append("## Known failures\n\n");
        md.append("Conformance tests the broker does not pass yet; they are `@Disabled` and cover nothing above.\n\n");
        if (knownFailures.isEmpty()) {
            md.append("None.\n\n");
        } else {
            knownFailures.forEach((test, why) -> md.append("- `").append(test).append("`: ").append(why).append("\n"));
            md.append("\n");
        }

        for (Spec spec : SPECS) {
            md.append("## ").append(spec.title()).append("\n\n");
            md.append("| Statement | Binds | Requirement (paraphrased) | Tests |\n|---|---|---|---|\n");
            for (Statement s : statements.get(spec).values()) {
                List<String> tests = testsFor(spec, s.id());
                String cell = switch (s.applies()) {
                    case "client" -> "n/a (client only)";
                    case "none" -> "n/a";
                    default -> tests.isEmpty() ? "**no test**" : String.join("<br>", tests);
                };
                md.append("| ").append(s.id()).append(" | ").append(s.applies()).append(" | ")
                    .append(s.summary().replace("|", "\\|")).append(" | ").append(cell).append(" |\n");
            }
            md.append("\n");
        }
        return md.toString();
    }

    private interface Column {
        long value(Spec spec, List<Statement> list);
    }

    private void summaryRow(StringBuilder md, String label, Column column) {
        md.append("| ").append(label).append(" |");
        for (Spec spec : SPECS) {
            md.append(" ").append(column.value(spec, List.copyOf(statements.get(spec).values()))).append(" |");
        }
        md.append("\n");
    }

    private static long count(List<Statement> list, java.util.function.Predicate<Statement> p) {
        return list.stream().filter(p).count();
    }

    /** The repository's {@code docs/conformance.md}, found from the working directory upwards. */
    static Path reportFile() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("docs")) && Files.isDirectory(dir.resolve("broker"))) {
                return dir.resolve("docs").resolve("conformance.md");
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no docs/ directory above " + Path.of("").toAbsolutePath());
    }
}
