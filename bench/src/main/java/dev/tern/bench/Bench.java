package dev.tern.bench;

import java.io.IOException;

/**
 * The load generator's entry point: {@code Bench.run(Scenario.FAN_IN, new LoadOptions().port(p))}.
 * One thread, raw NIO, pre-encoded packets and one write per connection per loop turn, so that
 * the generator costs little CPU next to the broker it measures.
 */
public final class Bench {
    private Bench() {
    }

    /**
     * Runs one scenario against the broker at {@code options.host:options.port} and returns what
     * it measured (also written as JSON when {@code --json} is set).
     *
     * @throws IllegalArgumentException when an option is out of range (the message names it)
     * @throws BenchException           when the run could not be completed
     */
    public static Result run(Scenario scenario, LoadOptions options) throws IOException {
        options.validate(scenario);
        RunContext ctx = new RunContext(scenario, options);
        Result r = switch (scenario) {
            case FAN_IN, FAN_OUT, PAIRS, SHARED -> ThroughputScenario.run(ctx);
            case PERSISTENT -> PersistentScenario.run(ctx);
            case IDLE, STORM -> ConnectionScenario.run(ctx);
        };
        if (options.json != null) {
            r.writeJson(options.json);
        }
        return r;
    }
}
