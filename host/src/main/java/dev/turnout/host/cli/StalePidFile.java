package dev.turnout.host.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A pid file a killed run could not remove. {@code turnout cleanup} removes it only when the pid it holds is not a
 * running process: a Turnout without TUN in the same network namespace writes the same default file, and cleanup's
 * instance check only sees TUN-mode runs.
 */
final class StalePidFile {

    /** What {@link #removeIfDead} found. */
    record Outcome(boolean removed, String said) {
    }

    private StalePidFile() {
    }

    /** Empty when there is no file; otherwise whether it was removed, and a line for the user saying why or why not. */
    static Optional<Outcome> removeIfDead(Path pidFile) throws IOException {
        if (!Files.exists(pidFile, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(new Outcome(false, "kept " + pidFile + ": not a regular file"));
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (NumberFormatException e) {
            return Optional.of(new Outcome(false, "kept " + pidFile + ": it holds no pid"));
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return Optional.of(new Outcome(false, "kept " + pidFile + ": pid " + pid + " is running"));
        }
        Files.delete(pidFile);
        return Optional.of(new Outcome(true, "removed " + pidFile + " of pid " + pid + ", which is not running"));
    }
}
