package dev.turnout.host.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Checks that a pid is the Turnout an {@link InstanceLock} names, from the process's own command line: it must
 * run Turnout's main class on the same config. The lock proves a live holder; this guards against signalling
 * anything else should the two ever disagree.
 */
final class TurnoutProcess {

    private static final String MAIN = Main.class.getName();

    private TurnoutProcess() {
    }

    /** Why {@code holder.pid()} is not the Turnout {@code holder} describes, or {@code null} when it is. */
    static String whyNot(InstanceLock.Holder holder) {
        long pid = holder.pid();
        if (pid <= 0) {
            return "the lock does not name a pid yet";
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return "pid " + pid + " is not running";
        }
        List<String> args = arguments(process.get());
        if (args == null) {
            return "cannot read the command line of pid " + pid;
        }
        int main = args.indexOf(MAIN);
        if (main < 0) {
            return "pid " + pid + " does not run " + MAIN + ": " + String.join(" ", args);
        }
        String config = configOf(args.subList(main + 1, args.size()), workingDirectory(pid));
        if (config != null && !holder.config().equals(config)) {
            return "pid " + pid + " runs on config " + config + ", the lock names " + holder.config();
        }
        return null;
    }

    /** The full argument list, program first: from /proc where there is one, else as Java reports it. */
    private static List<String> arguments(ProcessHandle process) {
        Path cmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
        try {
            if (Files.exists(cmdline)) {
                String all = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
                return Arrays.asList(all.split("\0"));
            }
        } catch (IOException e) {
            return null;
        }
        ProcessHandle.Info info = process.info();
        if (info.command().isEmpty() || info.arguments().isEmpty()) {
            return null;
        }
        List<String> out = new java.util.ArrayList<>(List.of(info.command().get()));
        out.addAll(List.of(info.arguments().get()));
        return out;
    }

    private static Path workingDirectory(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * The config that Turnout's arguments name with {@code -c}/{@code -f}/{@code --config}, as
     * {@link InstanceLock.Holder#self} writes it: absolute (relative to {@code cwd}). {@code null} without one: the
     * built-in default, {@code -d DIR}'s config.yaml (or the default when DIR has none) and a config found in the
     * home folder ($XDG_CONFIG_HOME, ~/.config/clash, ~/.config/mihomo) cannot be told apart from the command line.
     */
    static String configOf(List<String> turnoutArgs, Path cwd) {
        String file = null;
        for (int i = 0; i < turnoutArgs.size(); i++) {
            String f = valueAt(turnoutArgs, i, "-c", "-f", "--config");
            file = f != null ? f : file;
        }
        if (file == null) {
            return null;
        }
        Path p = Path.of(file);
        if (!p.isAbsolute()) {
            p = cwd != null ? cwd.resolve(p) : p.toAbsolutePath();
        }
        return p.normalize().toString();
    }

    /**
     * The value argument {@code i} gives one of {@code names} ({@code -c F}, {@code -cF}, {@code -c=F},
     * {@code --config=F}), or null.
     */
    private static String valueAt(List<String> args, int i, String... names) {
        String a = args.get(i);
        for (String name : names) {
            if (a.equals(name)) {
                return i + 1 < args.size() ? args.get(i + 1) : null;
            }
            if (name.startsWith("--") ? a.startsWith(name + "=") : a.startsWith(name) && !a.startsWith("--")) {
                String rest = a.substring(name.length());
                return rest.startsWith("=") ? rest.substring(1) : rest;
            }
        }
        return null;
    }
}
