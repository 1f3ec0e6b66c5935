package dev.turnout.host.service;

import dev.turnout.host.platform.SystemCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Installs and removes the service definition for one OS under a root directory: {@code /} for the machine, any
 * other folder for a scratch copy (tests, packaging), where only the file is written and no system program runs.
 *
 * @param os {@code linux} (systemd) or {@code macos} (launchd)
 * @param root where {@code etc/systemd/system} or {@code Library/LaunchDaemons} is
 */
public record ServiceFiles(String os, Path root, SystemCommand.Runner commands) {

    public ServiceFiles {
        if (!os.equals("linux") && !os.equals("macos")) {
            throw new IllegalArgumentException("no service support for " + os + " (linux: systemd, macos: launchd)");
        }
    }

    /** The service file's path under the root. */
    public Path file() {
        return os.equals("linux") ? root.resolve("etc/systemd/system").resolve(SystemdUnit.NAME)
                : root.resolve("Library/LaunchDaemons").resolve(LaunchdPlist.FILE_NAME);
    }

    private boolean machine() {
        return root.toAbsolutePath().normalize().equals(Path.of("/"));
    }

    public Path install(ServiceLayout layout, PrintStream out) throws IOException {
        Path file = file();
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, os.equals("linux") ? SystemdUnit.render(layout) : LaunchdPlist.render(layout),
                    StandardCharsets.UTF_8);
        } catch (AccessDeniedException e) {
            throw denied(e, "write " + file);
        }
        out.println("wrote " + file);
        if (!Files.isRegularFile(layout.launcher())) {
            out.println("warning: " + layout.launcher() + " does not exist: the service cannot start"
                    + " (say where Turnout is installed with --home DIR)");
        }
        if (!Files.isRegularFile(layout.config())) {
            out.println("warning: the config " + layout.config() + " does not exist: put one there before starting"
                    + " the service (or give another with -c FILE)");
        }
        if (!machine()) {
            out.println("scratch root " + root + ": no user created, no service manager told");
            return file;
        }
        if (os.equals("linux")) {
            if (!commands.run(List.of("getent", "passwd", layout.user())).ok()) {
                check(List.of("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", layout.user()));
                out.println("created system user " + layout.user());
            }
            check(List.of("systemctl", "daemon-reload"));
            out.println("start it with: systemctl enable --now turnout; logs: journalctl -u turnout; "
                    + "the config's folder must be writable by " + layout.user() + " (fake-IP cache)");
        } else {
            out.println("start it with: sudo launchctl bootstrap system " + file + "; logs: " + LaunchdPlist.LOG);
        }
        return file;
    }

    /** Removes the service file (stopping the service first on the machine); true when there was one. */
    public boolean uninstall(PrintStream out) throws IOException {
        Path file = file();
        if (!Files.exists(file)) {
            out.println("no service installed at " + file);
            return false;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (machine()) {
            // Stopping lets Turnout give routes and DNS back; a service already stopped is fine.
            commands.run(os.equals("linux") ? List.of("systemctl", "disable", "--now", SystemdUnit.NAME)
                    : List.of("launchctl", "bootout", "system/" + LaunchdPlist.LABEL));
        }
        try {
            Files.delete(file);
        } catch (AccessDeniedException e) {
            throw denied(e, "remove " + file);
        }
        out.println("removed " + file);
        if (machine() && os.equals("linux")) {
            check(List.of("systemctl", "daemon-reload"));
        }
        leftBehind(text, out);
        return true;
    }

    /** What uninstall does not remove, and where it is: the user, the runtime folder, the config folder's caches. */
    private void leftBehind(String text, PrintStream out) {
        Matcher user = Pattern.compile("(?m)^User=(\\S+)").matcher(text);
        Matcher config = Pattern.compile("\\brun -c ([^\\s<;]+)").matcher(text);
        String folder = config.find() ? Path.of(config.group(1)).getParent() + "/" : "the config's folder";
        out.println("left in place (remove by hand if you no longer want them):");
        if (user.find()) {
            out.println("  the system user " + user.group(1) + " (userdel " + user.group(1) + ")");
        }
        if (os.equals("linux")) {
            out.println("  /run/turnout: lock files and, after a crash, the route record (turnout cleanup -c CONFIG"
                    + " removes what it lists); gone at reboot");
        } else {
            out.println("  /var/root/.turnout: lock files; " + LaunchdPlist.LOG + ": the log");
        }
        out.println("  in " + folder + ": the config, turnout-fakeip.cache and its journal (every name looked up),"
                + " .turnout-selections, .turnout-dashboard-storage, proxies/ (subscription copies, with their"
                + " credentials) and rule providers' copies");
    }

    /** A permission refusal says what to do, where Java's message is only the path. */
    static IOException denied(AccessDeniedException e, String what) {
        return new IOException("cannot " + what + ": permission denied; run it as root (sudo turnout service ...),"
                + " or give --root DIR for a scratch copy", e);
    }

    private void check(List<String> cmd) throws IOException {
        SystemCommand.Result r = commands.run(cmd);
        if (!r.ok()) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.output());
        }
    }
}
