package dev.tern.broker.conformance;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The normative statements of the MQTT specifications a conformance test checks, so that
 * {@code docs/conformance.md} can list, for every statement, the tests that cover it and the ones
 * that have none.
 *
 * <p>Each value is {@code <version>:<statement id>}:
 * <ul>
 *   <li>{@code v5:MQTT-3.3.4-9}: statement MQTT-3.3.4-9 of MQTT 5.0, checked over an MQTT 5 connection;</li>
 *   <li>{@code v311:MQTT-3.1.2-4}: statement MQTT-3.1.2-4 of MQTT 3.1.1, checked over a 3.1.1 connection;</li>
 *   <li>{@code v31:MQTT-3.1.2-2}: the 3.1.1 statement MQTT-3.1.2-2 checked over an MQTT 3.1
 *       ({@code MQIsdp}) connection. MQTT 3.1 has no numbered statements; Tern holds it to the
 *       3.1.1 ones.</li>
 * </ul>
 * The ids and their one-line summaries live in {@code src/test/resources/conformance/}; an id that
 * is not there fails {@link ConformanceReportTest}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Conformance {
    String[] value();
}
