package dev.turnout.host.files;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The folders a file named by someone other than the machine's user may be read from: the ones Turnout is given
 * (its home folder, the config's folder), and those in {@code SAFE_PATHS} (mihomo's variable, colon-separated).
 * Turnout often runs as root; without this, a config sent to the controller or a subscription's node could read
 * any file on the machine.
 */
public final class SafePaths {

    /** The path is outside every allowed folder; the message names none of the file's content. */
    public static final class Refused extends Exception {
        private final String where;

        Refused(Path requested, String where) {
            super("path " + requested + " is " + where);
            this.where = where;
        }

        /** Where the path is, without it: "outside ... and SAFE_PATHS (...)". */
        public String where() {
            return where;
        }
    }

    private final Set<Path> roots;
    private final String named;

    /**
     * {@code folders}: the allowed folders, said in messages as {@code named} ("the config's folder"); {@code
     * safePaths}: the value of {@code SAFE_PATHS}, or {@code null}. Relative entries of it are ignored.
     */
    public SafePaths(Collection<Path> folders, String named, String safePaths) {
        Set<Path> out = new LinkedHashSet<>();
        folders.forEach(f -> out.add(f.toAbsolutePath().normalize()));
        if (safePaths != null) {
            for (String s : safePaths.split(File.pathSeparator)) {
                if (!s.isBlank() && Path.of(s.trim()).isAbsolute()) {
                    out.add(Path.of(s.trim()).normalize());
                }
            }
        }
        // "/" as a config's folder (a config in /, or -d / from a service's working folder) would allow everything.
        out.removeIf(r -> r.getParent() == null);
        this.roots = Set.copyOf(out);
        this.named = named;
    }

    /**
     * The real path of {@code requested} (symlinks and {@code ..} resolved) when it lies inside an allowed
     * folder; the file is then read from there, not from the name given.
     */
    public Path check(Path requested) throws Refused, IOException {
        Path asked = requested.toAbsolutePath().normalize();
        // The name first, so that nothing outside is even looked at: no answer says whether it exists.
        if (roots.stream().noneMatch(asked::startsWith)) {
            throw refused(requested);
        }
        Path real = asked.toRealPath();
        if (underARoot(real)) {
            return real;
        }
        throw refused(requested);
    }

    /** Whether the real path {@code real} lies inside an allowed folder's real path. */
    private boolean underARoot(Path real) {
        for (Path root : roots) {
            try {
                if (real.startsWith(root.toRealPath())) {
                    return true;
                }
            } catch (IOException e) {
                // A root that does not exist holds nothing.
            }
        }
        return false;
    }

    /**
     * As {@link #check}, for a file or folder Turnout may make there (a download's copy, a dashboard's folder, a
     * socket): the name must lie inside an allowed folder, and so must the real path of the nearest part of it that
     * exists, so that a symbolic link inside leads nowhere else.
     */
    public void checkPlace(Path requested) throws Refused {
        Path asked = requested.toAbsolutePath().normalize();
        if (roots.stream().noneMatch(asked::startsWith)) {
            throw refused(requested);
        }
        Path existing = asked;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            if (underARoot(existing == null ? asked : existing.toRealPath())) {
                return;
            }
        } catch (IOException e) {
            // Unreadable on the way: not somewhere a file of Turnout's may be.
        }
        throw refused(requested);
    }

    private Refused refused(Path requested) {
        return new Refused(requested, "outside " + named + " and SAFE_PATHS ("
                + String.join(", ", roots.stream().map(Path::toString).sorted().toList()) + ")");
    }
}
