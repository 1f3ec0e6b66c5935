package dev.turnout.rules.bench;

import dev.turnout.rules.RuleSet;

/**
 * Retained heap of a compiled configuration: used heap after repeated GCs with the RuleSet reachable, minus the
 * same before loading it. Also prints a cold load-and-compile time (first compile in a fresh JVM), and the part of
 * it that is {@link RuleSet#compile} alone (the load before it reads the config with snakeyaml and the files).
 * Usage: {@code java -cp benchmarks.jar dev.turnout.rules.bench.RetainedHeap CONFIG}.
 */
public final class RetainedHeap {

    private RetainedHeap() {
    }

    public static void main(String[] args) throws Exception {
        String config = args.length > 0 ? args[0] : "loyalsoldier";
        long before = settledUsed();
        long[] nanos = new long[2];
        RuleSet rules = loadAndCompile(config, nanos);
        long after = settledUsed();
        System.out.printf("%s: %d rules, cold load+compile %d ms, retained heap %.1f MB, of which compile %d ms%n",
                config, rules.size(), nanos[0] / 1_000_000, (after - before) / 1048576.0, nanos[1] / 1_000_000);
        java.lang.ref.Reference.reachabilityFence(rules);
    }

    /** Sets nanos[0] to the load and compile, nanos[1] to the compile; what was read is garbage on return. */
    private static RuleSet loadAndCompile(String config, long[] nanos) throws Exception {
        long t0 = System.nanoTime();
        BenchConfigs.Loaded loaded = BenchConfigs.load(config);
        long t1 = System.nanoTime();
        RuleSet rules = loaded.compile();
        long t2 = System.nanoTime();
        nanos[0] = t2 - t0;
        nanos[1] = t2 - t1;
        return rules;
    }

    private static long settledUsed() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
