package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StalePidFileTest {

    @TempDir
    Path dir;

    @Test
    void theFileOfAPidThatIsNotRunningIsRemoved() throws Exception {
        long ended = endedPid();
        Path pid = Files.writeString(dir.resolve("turnout.pid"), ended + "\n");

        StalePidFile.Outcome outcome = StalePidFile.removeIfDead(pid).orElseThrow();

        assertTrue(outcome.removed(), outcome.said());
        assertFalse(Files.exists(pid));
        assertTrue(outcome.said().contains("of pid " + ended), outcome.said());
    }

    /** Another Turnout (mixed port only, no TUN lock) may be writing the same default file. */
    @Test
    void theFileOfARunningPidIsKept() throws Exception {
        Path pid = Files.writeString(dir.resolve("turnout.pid"), ProcessHandle.current().pid() + "\n");

        StalePidFile.Outcome outcome = StalePidFile.removeIfDead(pid).orElseThrow();

        assertFalse(outcome.removed());
        assertTrue(Files.exists(pid));
        assertEquals("kept " + pid + ": pid " + ProcessHandle.current().pid() + " is running", outcome.said());
    }

    @Test
    void aFileWithoutAPidOrALinkIsKept() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pid"), "not a pid\n");
        // Whatever the link points to, even a file naming a pid that is not running, is not this run's pid file.
        Path target = Files.writeString(dir.resolve("someone-elses"), endedPid() + "\n");
        Path link = Files.createSymbolicLink(dir.resolve("link.pid"), target);

        assertFalse(StalePidFile.removeIfDead(garbage).orElseThrow().removed());
        assertFalse(StalePidFile.removeIfDead(link).orElseThrow().removed());
        assertTrue(Files.exists(garbage) && Files.exists(link) && Files.exists(target));
        assertTrue(StalePidFile.removeIfDead(dir.resolve("none.pid")).isEmpty());
    }

    private static long endedPid() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        assertTrue(ended.waitFor(10, TimeUnit.SECONDS));
        return ended.pid();
    }
}
