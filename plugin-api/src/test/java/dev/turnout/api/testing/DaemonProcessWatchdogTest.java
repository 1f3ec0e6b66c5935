package dev.turnout.api.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon a test started dies with the test's JVM, however the JVM dies: PIT SIGKILLs a minion JVM whose mutant
 * timed out, and before the watchdog every such kill left a danted, tinyproxy or ss-server running. Checked from
 * outside: a child JVM starts a real danted, the test SIGKILLs that JVM, and every process it had started must
 * be gone within a bounded time.
 */
class DaemonProcessWatchdogTest {

    @Test
    void dantedDiesWhenTheJvmThatStartedItIsKilled(@TempDir Path dir) throws Exception {
        Required.that(Files.isExecutable(DaemonProcessChildJvm.DANTED),
                () -> "danted is not installed (apt-get install dante-server)");
        Required.that("root".equals(System.getProperty("user.name")), () -> "danted's test config needs root");
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), DaemonProcessChildJvm.class.getName(),
                dir.toString())
                .redirectErrorStream(true)
                .start();
        List<ProcessHandle> started = List.of();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals(DaemonProcessChildJvm.LISTENING)) {
                seen.append(line).append('\n');
            }
            assertEquals(DaemonProcessChildJvm.LISTENING, line, () -> "the child JVM did not start danted: " + seen);
            started = jvm.toHandle().descendants().collect(Collectors.toList());
            assertTrue(started.stream().anyMatch(p -> p.info().command().orElse("").endsWith("danted")),
                    () -> "no danted among the child JVM's processes " + describe(jvm.toHandle().descendants().toList()));

            jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            assertTrue(jvm.waitFor(10, TimeUnit.SECONDS), "the child JVM survived SIGKILL");

            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < end && started.stream().anyMatch(ProcessHandle::isAlive)) {
                Thread.sleep(100);
            }
            List<ProcessHandle> left = started.stream().filter(ProcessHandle::isAlive).toList();
            assertTrue(left.isEmpty(), () -> "15 s after the JVM was killed these still run: " + describe(left));
        } finally {
            jvm.destroyForcibly();
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static String describe(List<ProcessHandle> processes) {
        return processes.stream()
                .map(p -> p.pid() + " " + p.info().user().orElse("?") + " " + p.info().command().orElse("?"))
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
