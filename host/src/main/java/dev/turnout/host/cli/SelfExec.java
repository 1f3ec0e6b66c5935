package dev.turnout.host.cli;

import com.sun.jna.Function;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs this process again from the start, as mihomo's {@code POST /restart} does with {@code syscall.Exec}: the
 * same pid, executable ({@code /proc/self/exe}, the JVM), command line ({@code /proc/self/cmdline}: JVM options,
 * class path, Turnout's arguments) and environment. Linux only. Every descriptor above stderr is marked
 * close-on-exec first, so no socket, lock or file of this run survives into the next.
 */
final class SelfExec {

    private static final Path EXE = Path.of("/proc/self/exe");
    private static final Path CMDLINE = Path.of("/proc/self/cmdline");
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;

    private SelfExec() {
    }

    /** Why this process cannot exec itself, or {@code null} when it can. */
    static String unavailableReason() {
        if (!Platform.isLinux()) {
            return "restart needs Linux (the process re-executes itself through /proc/self/exe)";
        }
        if (!Files.isReadable(CMDLINE) || !Files.exists(EXE)) {
            return "restart needs /proc/self/cmdline and /proc/self/exe";
        }
        try {
            Function.getFunction(Platform.C_LIBRARY_NAME, "execv");
            return null;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return "restart cannot call execv: " + e.getMessage();
        }
    }

    /** The command line this process was started with, argument by argument. */
    static List<String> commandLine() throws IOException {
        return split(Files.readAllBytes(CMDLINE));
    }

    /** {@code /proc/self/cmdline}'s NUL-terminated arguments. */
    static List<String> split(byte[] cmdline) {
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                args.add(new String(cmdline, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < cmdline.length) {
            args.add(new String(cmdline, start, cmdline.length - start, StandardCharsets.UTF_8));
        }
        return args;
    }

    /** Replaces this process with {@code argv}; returns only when exec failed, with why. */
    static String exec(List<String> argv) {
        Function fcntl = Function.getFunction(Platform.C_LIBRARY_NAME, "fcntl");
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                int n = Integer.parseInt(fd.getFileName().toString());
                if (n > 2) {
                    fcntl.invokeInt(new Object[] {n, F_SETFD, FD_CLOEXEC});
                }
            }
        } catch (IOException | RuntimeException e) {
            return "cannot mark descriptors close-on-exec: " + e.getMessage();
        }
        String[] args = new String[argv.size() + 1];
        argv.toArray(args); // the last element stays null: execv's terminator
        Function execv = Function.getFunction(Platform.C_LIBRARY_NAME, "execv", Function.THROW_LAST_ERROR);
        try {
            // The JVM's real path, not /proc/self/exe: the process keeps its name ("java") in ps and ss.
            String exe = EXE.toRealPath().toString();
            execv.invokeInt(new Object[] {exe, args});
            return "execv returned";
        } catch (IOException | RuntimeException e) {
            return "execv failed: " + e.getMessage();
        }
    }
}
