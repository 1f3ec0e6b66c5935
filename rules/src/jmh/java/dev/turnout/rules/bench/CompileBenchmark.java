package dev.turnout.rules.bench;

import dev.turnout.rules.RuleSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Milliseconds to read a configuration's files and compile them, as a start or reload does. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CompileBenchmark {

    @Param({"acl4ssr", "loyalsoldier"})
    public String config;

    @Benchmark
    public RuleSet loadAndCompile() throws Exception {
        return BenchConfigs.loadAndCompile(config);
    }
}
