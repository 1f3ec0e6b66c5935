package dev.turnout.rules.bench;

import dev.turnout.rules.RuleSet;

/**
 * Retained heap of a compiled configuration: used heap after repeated GCs with the RuleSet reachable, minus the
 * same before loading it. Also prints a cold load-and-compile time (first compile in a fresh JVM).
 * Usage: {@code java -cp benchmarks.jar dev.turnout.rules.bench.RetainedHeap CONFIG}.
 */
public final class RetainedHeap {

    private RetainedHeap() {
    }

    public static void main(String[] args) throws Exception {
        String config = args.length > 0 ? args[0] : "loyalsoldier";
        long before = settledUsed();
        long t0 = System.nanoTime();
        RuleSet rules = BenchConfigs.loadAndCompile(config);
        long coldMs = (System.nanoTime() - t0) / 1_000_000;
        long after = settledUsed();
        System.out.printf("%s: %d rules, cold load+compile %d ms, retained heap %.1f MB%n", config, rules.size(),
                coldMs, (after - before) / 1048576.0);
        java.lang.ref.Reference.reachabilityFence(rules);
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
