package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceLockTest {

    @TempDir
    Path dir;

    /** Another JVM that takes the lock in {@code file} for {@code config} and holds it. */
    private static Process holder(Path file, Path config) throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolderMain.class.getName(), file.toString(), config.toString())
                .redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"LOCKED".equals(line)) {
            p.destroyForcibly();
            throw new IOException("the holder did not lock: " + line);
        }
        return p;
    }

    @Test
    void aSecondInstanceIsRefusedAtOnceNamingTheRunningOne() throws Exception {
        Path file = dir.resolve("run/turnout-net-1.lock");
        Path config = dir.resolve("first.yaml");
        Process first = holder(file, config);
        try {
            InstanceLock.HeldElsewhere e = assertThrows(InstanceLock.HeldElsewhere.class,
                    () -> InstanceLock.acquire(file, InstanceLock.Holder.self(dir.resolve("second.yaml"))));
            assertEquals(first.pid(), e.holder().pid());
            assertEquals(config.toString(), e.holder().config());
            assertTrue(e.getMessage().startsWith("turnout is already running in this network namespace: pid "
                    + first.pid() + ", config " + config + ", since "), e.getMessage());
            assertEquals(Optional.of(e.holder()), InstanceLock.holder(file));
        } finally {
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theLockDiesWithItsHolderEvenByKillNine() throws Exception {
        Path file = dir.resolve("turnout-net-2.lock");
        Process first = holder(file, dir.resolve("first.yaml"));
        first.destroyForcibly(); // SIGKILL: no shutdown hook, the file stays with the dead pid in it
        assertTrue(first.waitFor(10, TimeUnit.SECONDS));
        assertTrue(Files.readString(file).contains("pid=" + first.pid()), "the stale content stays");
        assertEquals(Optional.empty(), InstanceLock.holder(file), "a file left by a dead holder names nobody");
        InstanceLock second = InstanceLock.acquire(file, InstanceLock.Holder.self(dir.resolve("second.yaml")));
        try {
            assertTrue(Files.readString(file).contains("pid=" + ProcessHandle.current().pid()), Files.readString(file));
        } finally {
            second.release();
        }
    }

    @Test
    void noFileMeansNoHolder() throws Exception {
        assertEquals(Optional.empty(), InstanceLock.holder(dir.resolve("absent.lock")));
    }

    @Test
    void theConfigOfACommandLineIsResolvedAsTheLockWritesIt() {
        Path cwd = Path.of("/srv/turnout");
        assertEquals("/srv/turnout/conf/a.yaml", TurnoutProcess.configOf(List.of("run", "-c", "conf/a.yaml"), cwd));
        assertEquals("/etc/b.yaml", TurnoutProcess.configOf(List.of("run", "--config=/etc/b.yaml"), cwd));
        assertEquals("/etc/c.yaml", TurnoutProcess.configOf(List.of("run", "--pid-file", "p", "--config", "/etc/x/../c.yaml"), cwd));
        assertEquals(InstanceLock.BUILT_IN, TurnoutProcess.configOf(List.of("run", "--pid-file", "/run/p"), cwd));
        assertEquals(InstanceLock.BUILT_IN, TurnoutProcess.configOf(List.of(), cwd));
    }

    @Test
    void aProcessThatIsNotTurnoutIsNeverTakenForIt() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            String why = TurnoutProcess.whyNot(new InstanceLock.Holder(sleep.pid(), "/etc/turnout.yaml", "now"));
            assertTrue(why != null && why.contains("does not run " + Main.class.getName()), why);
        } finally {
            sleep.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
