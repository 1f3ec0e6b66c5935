package dev.turnout.host.platform;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a system program ({@code ip} on Linux, {@code ifconfig} and {@code route} on macOS) with a time limit
 * and collects its output. The platforms configure the TUN device and routes with these programs: a handful
 * of runs at start and stop, with readable errors, and a user can run the same lines to check or undo what
 * Turnout did.
 */
public final class SystemCommand {

    /** Result of one run: exit code, and standard output and error together, stripped. */
    public record Result(int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }
    }

    /** Runs a command line; the seam that lets tests check the command lines a platform builds. */
    @FunctionalInterface
    public interface Runner {
        Result run(List<String> cmd) throws IOException;
    }

    /** Runs commands for real ({@link #run}). */
    public static final Runner SYSTEM = SystemCommand::run;

    private static final long TIMEOUT_SECONDS = 10;

    private SystemCommand() {
    }

    /** Runs {@code cmd} as given (its first element the program); fails if it takes over 10 s. */
    public static Result run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            byte[] out = in.readNBytes(1 << 20);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    /**
     * The absolute path of {@code program} in the first of {@code dirs} where it is executable, so that the
     * {@code PATH} of a root process cannot substitute another program; {@code program} itself (looked up in
     * {@code PATH}) when none has it.
     */
    public static String locate(String program, String... dirs) {
        for (String dir : dirs) {
            File f = new File(dir, program);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return program;
    }
}
