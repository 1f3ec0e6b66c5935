package dev.turnout.host.platform.macos;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs macOS's {@code ifconfig} and {@code route}. As on Linux (see the Linux platform's {@code IpCommand}),
 * configuration is a handful of commands at start and stop, and a user can run the same lines to check or
 * undo what Turnout did; a routing socket through JNA would only save a few process starts.
 *
 * <p>The program is resolved to its absolute path in {@code /sbin} (where macOS keeps both), so a
 * {@code PATH} of a root process cannot substitute another program.
 */
final class SystemCommand {

    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private static final long TIMEOUT_SECONDS = 10;

    private SystemCommand() {
    }

    /** Runs {@code cmd} (its first element a program name such as {@code route}). */
    static Result run(List<String> cmd) throws IOException {
        List<String> full = new ArrayList<>(cmd);
        full.set(0, resolve(cmd.get(0)));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
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

    /** Runs and throws with the command's own message when it fails. */
    static String check(List<String> cmd) throws IOException {
        Result r = run(cmd);
        if (!r.ok()) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.output());
        }
        return r.output();
    }

    private static String resolve(String program) {
        for (String dir : new String[] {"/sbin", "/usr/sbin"}) {
            File f = new File(dir, program);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return program;
    }
}
