package dev.turnout.rules.bench;

import dev.turnout.rules.Decision;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleSet;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Nanoseconds per decision on the mixed query set, per configuration. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecideBenchmark {

    @Param({"ten", "acl4ssr", "loyalsoldier", "acl4ssr-udpless", "loyalsoldier-udpless"})
    public String config;

    private RuleSet rules;
    private Query[] queries;
    private NameResolver resolver;
    private int next;

    @Setup
    public void setUp() throws Exception {
        rules = BenchConfigs.loadAndCompile(config);
        queries = BenchConfigs.queries();
        Map<String, List<InetAddress>> cache = new HashMap<>();
        for (Query q : queries) {
            if (q.domain() != null) {
                cache.put(q.domain(), BenchConfigs.answer(q.domain()));
            }
        }
        resolver = cache::get;
    }

    @Benchmark
    public Decision decide() {
        Query q = queries[next];
        next = (next + 1) & (queries.length - 1);
        return rules.decide(q, resolver);
    }
}
