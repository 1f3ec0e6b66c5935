package dev.turnout.host.plugin;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Whose plugins Turnout runs when it runs as root: a plugin's code runs with Turnout's rights, so a jar, or a
 * plugins folder, that another user can write would hand that user root. As sshd's StrictModes does for
 * {@code authorized_keys}, a jar (its target, when it is a symlink) must be owned by root or by the owner of
 * Turnout's installation (who unpacked it and may run it with sudo) and be writable by no one else (group
 * writable only for group 0); the plugins folder and each of its parents must be owned by one of them and not be
 * writable by others, unless the sticky bit keeps others from replacing what is not theirs. A process that is not
 * root runs as its own user, who can write its plugins anyway: then nothing is checked.
 */
final class PluginTrust {

    /** Checks nothing: the process does not run as root. */
    static final PluginTrust NONE = new PluginTrust(false, Set.of());

    private static final int STICKY = 01000;
    private static final int GROUP_WRITE = 020;
    private static final int OTHER_WRITE = 02;

    private final boolean enforced;
    private final Set<Integer> owners;

    PluginTrust(boolean enforced, Set<Integer> owners) {
        this.enforced = enforced;
        this.owners = Set.copyOf(owners);
    }

    /** For this process: enforced when it runs as root, trusting root and the owner of Turnout's installation. */
    static PluginTrust ofThisProcess() {
        if (!runningAsRoot()) {
            return NONE;
        }
        Set<Integer> owners = new TreeSet<>(Set.of(0));
        Integer installer = uid(installation());
        if (installer != null) {
            owners.add(installer);
        }
        return new PluginTrust(true, owners);
    }

    boolean enforced() {
        return enforced;
    }

    /**
     * Why no plugin of {@code folder} may be loaded: it or a parent is writable by, or belongs to, someone else;
     * {@code null} when it is safe (or nothing is checked).
     */
    String folderProblem(Path folder) {
        if (!enforced) {
            return null;
        }
        try {
            String p = chainProblem(folder.toRealPath());
            return p == null ? null : "refused, as Turnout runs as root: " + p + "; so no plugin in this folder is loaded";
        } catch (IOException e) {
            return "refused, as Turnout runs as root: cannot check who may write it (" + e + ")";
        }
    }

    /** Why the jar (or plugin folder) {@code plugin} in {@code folder} may not be loaded, or {@code null}. */
    String pluginProblem(Path plugin, Path folder) {
        if (!enforced) {
            return null;
        }
        try {
            Path real = plugin.toRealPath();
            String target = real.equals(plugin.toAbsolutePath().normalize()) ? "" : " (the target of the symlink " + plugin + ")";
            if (!real.getParent().equals(folder.toRealPath())) {
                String p = chainProblem(real.getParent());
                if (p != null) {
                    return "refused, as Turnout runs as root: " + real + target + " is in a folder where " + p;
                }
            }
            if (Files.isDirectory(real)) {
                try (Stream<Path> all = Files.walk(real)) {
                    for (Path p : (Iterable<Path>) all::iterator) {
                        String why = problem(p, false);
                        if (why != null) {
                            return "refused, as Turnout runs as root: " + why + (p.equals(real) ? target : "")
                                    + "; another user could change the code Turnout runs as root";
                        }
                    }
                }
                return null;
            }
            String why = problem(real, false);
            return why == null ? null : "refused, as Turnout runs as root: " + why + target
                    + "; another user could change the code Turnout runs as root (make it owned by root, mode 644)";
        } catch (IOException e) {
            return "refused, as Turnout runs as root: cannot check who may write it (" + e + ")";
        }
    }

    /** The first of {@code dir} and its parents that another user may write or owns, said in words; or null. */
    private String chainProblem(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            String why = problem(p, true);
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** What is wrong with one file or folder's owner and mode; folders with the sticky bit may be writable. */
    private String problem(Path p, boolean stickyAllowed) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode");
        int uid = (Integer) a.get("uid");
        int gid = (Integer) a.get("gid");
        int mode = (Integer) a.get("mode");
        boolean sticky = stickyAllowed && (mode & STICKY) != 0;
        String octal = String.format("%04o", mode & 07777);
        if (!owners.contains(uid)) {
            return p + " is owned by uid " + uid + ", neither root nor the owner of Turnout's installation"
                    + (owners.size() > 1 ? " (uid " + owners.stream().filter(o -> o != 0).findFirst().orElseThrow() + ")" : "");
        }
        if ((mode & OTHER_WRITE) != 0 && !sticky) {
            return p + " is writable by every user (mode " + octal + ")";
        }
        if ((mode & GROUP_WRITE) != 0 && gid != 0 && !sticky) {
            return p + " is writable by group " + gid + " (mode " + octal + ")";
        }
        return null;
    }

    /** Turnout's installation: {@code turnout.home}, which the launcher sets, else the folder of the host's jar. */
    private static Path installation() {
        String home = System.getProperty("turnout.home");
        if (home != null) {
            return Path.of(home);
        }
        try {
            CodeSource source = PluginTrust.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path where = Path.of(source.getLocation().toURI());
            return Files.isDirectory(where) ? where : where.getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static Integer uid(Path p) {
        try {
            return p == null ? null : (Integer) Files.getAttribute(p, "unix:uid");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The effective uid is 0: from /proc on Linux, else (macOS) the user name Java was started as. */
    static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return "0".equals(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc: not Linux.
        }
        return "root".equals(System.getProperty("user.name"));
    }
}
