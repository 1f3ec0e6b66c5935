package dev.turnout.host.controller;

import dev.turnout.host.config.Config;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Where {@code PUT /configs {"path": ...}} may read a config from: the running config's folder, Turnout's
 * base folder ({@code -d}), and the folders in {@code SAFE_PATHS} (mihomo's variable, colon-separated).
 * Turnout often runs as root, and without this the API could read any file on the machine.
 */
final class SafePaths {

    /** The path is outside every allowed folder; the message names none of the file's content. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    private final Set<Path> roots;

    /**
     * {@code running}: the config Turnout started with; its folders stay the allowed ones, so that a config
     * loaded from {@code SAFE_PATHS} does not widen them. {@code safePaths}: {@code SAFE_PATHS}, or {@code null}.
     */
    SafePaths(Config running, String safePaths) {
        Set<Path> out = new LinkedHashSet<>();
        if (running.file() != null && running.file().toAbsolutePath().getParent() != null) {
            out.add(running.file().toAbsolutePath().normalize().getParent());
        }
        out.add(running.baseDir().toAbsolutePath().normalize());
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
    }

    /**
     * The real path of {@code requested} (symlinks and {@code ..} resolved) when it lies inside an allowed
     * folder; the file is then loaded from there, not from the name given.
     */
    Path check(Path requested) throws Refused, IOException {
        Path asked = requested.toAbsolutePath().normalize();
        // The name first, so that nothing outside is even looked at: no answer says whether it exists.
        if (roots.stream().noneMatch(asked::startsWith)) {
            throw refused(requested);
        }
        Path real = asked.toRealPath();
        for (Path root : roots) {
            try {
                if (real.startsWith(root.toRealPath())) {
                    return real;
                }
            } catch (IOException e) {
                // A root that does not exist holds nothing.
            }
        }
        throw refused(requested);
    }

    private Refused refused(Path requested) {
        return new Refused("path " + requested + " is outside the config's folder and SAFE_PATHS ("
                + String.join(", ", roots.stream().map(Path::toString).sorted().toList()) + ")");
    }
}
