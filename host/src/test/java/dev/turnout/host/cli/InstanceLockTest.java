package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    static final String NS = "net-1";

    @TempDir
    Path dir;

    /** Another JVM that holds, in namespace {@link #NS}, the claims of {@code config} and {@code port}. */
    private Process holder(Path config, int port) throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolderMain.class.getName(), dir.toString(), NS,
                config.toString(), Integer.toString(port)).redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"LOCKED".equals(line)) {
            p.destroyForcibly();
            throw new IOException("the holder did not lock: " + line);
        }
        return p;
    }

    private InstanceLock acquire(String namespace, Path config, int port) throws Exception {
        InstanceLock.Holder self = InstanceLock.Holder.self(config);
        return InstanceLock.acquire(dir, namespace, List.of(InstanceLock.Claim.port(port),
                InstanceLock.Claim.config(self.config())), self);
    }

    @Test
    void aSecondInstanceOnTheSamePortIsRefusedAtOnceNamingTheRunningOne() throws Exception {
        Path config = dir.resolve("first.yaml");
        Process first = holder(config, 7890);
        try {
            InstanceLock.HeldElsewhere e = assertThrows(InstanceLock.HeldElsewhere.class,
                    () -> acquire(NS, dir.resolve("second.yaml"), 7890));
            assertEquals(first.pid(), e.holder().pid());
            assertEquals(config.toString(), e.holder().config());
            assertTrue(e.getMessage().startsWith("turnout is already running in this network namespace: pid "
                    + first.pid() + ", config " + config + ", since "), e.getMessage());
            assertTrue(e.getMessage().endsWith(" (it listens on port 7890)"), e.getMessage());
            assertEquals(List.of(e.holder()), InstanceLock.running(dir, NS));
        } finally {
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theSameConfigTwiceIsRefusedEvenOnAnotherPort() throws Exception {
        Path config = dir.resolve("same.yaml");
        Process first = holder(config, 7890);
        try {
            InstanceLock.HeldElsewhere e = assertThrows(InstanceLock.HeldElsewhere.class, () -> acquire(NS, config, 7891));
            assertTrue(e.getMessage().endsWith(" (on the same config)"), e.getMessage());
            // What it had taken before the refusal is let go again: port 7891 is free for a third instance.
            assertEquals(Optional.empty(), InstanceLock.holder(dir, NS, InstanceLock.Claim.port(7891)));
        } finally {
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void otherPortsAndConfigsOrAnotherNamespaceAreFree() throws Exception {
        Process first = holder(dir.resolve("first.yaml"), 7890);
        try {
            acquire(NS, dir.resolve("second.yaml"), 7891).release();
            acquire("net-2", dir.resolve("first.yaml"), 7890).release();
        } finally {
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theLockDiesWithItsHolderEvenByKillNine() throws Exception {
        Process first = holder(dir.resolve("first.yaml"), 7890);
        first.destroyForcibly(); // SIGKILL: no shutdown hook, the files stay with the dead pid in them
        assertTrue(first.waitFor(10, TimeUnit.SECONDS));
        Path portLock = InstanceLock.file(dir, NS, InstanceLock.Claim.port(7890));
        assertTrue(Files.readString(portLock).contains("pid=" + first.pid()), "the stale content stays");
        assertEquals(List.of(), InstanceLock.running(dir, NS), "files left by a dead holder name nobody");
        InstanceLock second = acquire(NS, dir.resolve("first.yaml"), 7890);
        try {
            assertTrue(Files.readString(portLock).contains("pid=" + ProcessHandle.current().pid()), Files.readString(portLock));
        } finally {
            second.release();
        }
    }

    @Test
    void aReleaseRemovesTheLockFilesAndTheClaimsAreFreeAgain() throws Exception {
        Path config = dir.resolve("first.yaml");
        InstanceLock lock = acquire(NS, config, 7890);
        assertTrue(Files.exists(InstanceLock.file(dir, NS, InstanceLock.Claim.port(7890))));
        lock.release();
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "lock files left behind");
        }
        assertEquals(List.of(), InstanceLock.running(dir, NS));
        acquire(NS, config, 7890).release();
    }

    @Test
    void aPortClaimedWhileRunningIsRefusedWhereAnotherHoldsItAndGivenBackAlone() throws Exception {
        Process other = holder(dir.resolve("other.yaml"), 7890);
        InstanceLock lock = acquire(NS, dir.resolve("mine.yaml"), 7891);
        try {
            InstanceLock.HeldElsewhere e = assertThrows(InstanceLock.HeldElsewhere.class,
                    () -> lock.claim(InstanceLock.Claim.port(7890)));
            assertEquals(other.pid(), e.holder().pid());
            lock.claim(InstanceLock.Claim.port(7892));
            // Claimed again, one already held stays held: another process still cannot take it.
            lock.claim(InstanceLock.Claim.port(7891));
            assertThrows(IOException.class, () -> holder(dir.resolve("third.yaml"), 7891).destroyForcibly());
            lock.giveBack(InstanceLock.Claim.port(7891));
            assertTrue(Files.notExists(InstanceLock.file(dir, NS, InstanceLock.Claim.port(7891))));
            assertTrue(Files.exists(InstanceLock.file(dir, NS, InstanceLock.Claim.port(7892))));
            holder(dir.resolve("third.yaml"), 7891).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } finally {
            lock.release();
            other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void noFilesMeanNoHolder() throws Exception {
        assertEquals(Optional.empty(), InstanceLock.holder(dir, NS, InstanceLock.Claim.TUN));
        assertEquals(List.of(), InstanceLock.running(dir.resolve("absent"), NS));
    }

    @Test
    void theConfigOfACommandLineIsResolvedAsTheLockWritesIt() {
        Path cwd = Path.of("/srv/turnout");
        assertEquals("/srv/turnout/conf/a.yaml", TurnoutProcess.configOf(List.of("run", "-c", "conf/a.yaml"), cwd));
        assertEquals("/etc/b.yaml", TurnoutProcess.configOf(List.of("run", "--config=/etc/b.yaml"), cwd));
        assertEquals("/etc/c.yaml", TurnoutProcess.configOf(List.of("run", "--pid-file", "p", "--config", "/etc/x/../c.yaml"), cwd));
        assertEquals("/etc/d.yaml", TurnoutProcess.configOf(List.of("-f", "/etc/d.yaml"), cwd));
        assertEquals("/etc/e.yaml", TurnoutProcess.configOf(List.of("-f/etc/e.yaml", "run"), cwd));
        assertEquals("/srv/turnout/x.yaml", TurnoutProcess.configOf(List.of("-d", "/h", "-f", "x.yaml"), cwd));
        // The built-in default, -d's config.yaml (or the default) and a config found in the home folder: the
        // command line cannot tell them apart.
        assertNull(TurnoutProcess.configOf(List.of("-d", "home"), cwd));
        assertNull(TurnoutProcess.configOf(List.of("run", "--directory=/h", "-ext-ctl", ":9090"), cwd));
        assertNull(TurnoutProcess.configOf(List.of("run", "--pid-file", "/run/p"), cwd));
        assertNull(TurnoutProcess.configOf(List.of(), cwd));
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
