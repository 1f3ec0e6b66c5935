package dev.turnout.host.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which config a command reads and which folder its relative paths resolve against, as Clash users expect:
 * {@code -f FILE}; {@code -d DIR} alone means {@code DIR/config.yaml}; with neither, the first {@code config.yaml}
 * of Turnout's own folder ({@code $XDG_CONFIG_HOME/turnout}, {@code ~/.config/turnout} when that is unset),
 * Clash's ({@code ~/.config/clash}) and mihomo's ({@code ~/.config/mihomo}; both fall back to
 * {@code $XDG_CONFIG_HOME/clash} or {@code /mihomo} as they do), else the built-in default.
 */
final class HomeConfig {

    /**
     * The result: {@code file} is {@code null} for the built-in default; {@code home} is {@code null} for the
     * file's own folder; {@code note} says which was chosen when no {@code -f} named it.
     */
    record Found(Path file, Path home, String note) {
    }

    private HomeConfig() {
    }

    static Found find(Path file, Path dir, String xdgConfigHome, String userHome, Predicate<Path> exists) {
        if (file != null) {
            return new Found(file, dir, null);
        }
        if (dir != null) {
            Path inDir = dir.resolve("config.yaml");
            return exists.test(inDir) ? new Found(inDir, dir, "using " + inDir + " (-d " + dir + ")")
                    : new Found(null, dir, "no config.yaml in " + dir + ": using the built-in default, with " + dir
                    + " as the home folder");
        }
        List<Path> candidates = candidates(xdgConfigHome, userHome);
        for (Path c : candidates) {
            if (exists.test(c)) {
                return new Found(c, null, "using " + c + " (no -f or -d given)");
            }
        }
        return new Found(null, null, "no -f or -d given and none of " + candidates.stream().map(Path::toString)
                .toList() + " exists: using the built-in default");
    }

    /** Where a config is looked for, in order, without duplicates. */
    static List<Path> candidates(String xdgConfigHome, String userHome) {
        Path dotConfig = Path.of(userHome, ".config");
        Path xdg = xdgConfigHome != null && !xdgConfigHome.isBlank() ? Path.of(xdgConfigHome) : null;
        List<Path> folders = new ArrayList<>();
        folders.add((xdg != null ? xdg : dotConfig).resolve("turnout"));
        for (String peer : List.of("clash", "mihomo")) {
            folders.add(dotConfig.resolve(peer));
            if (xdg != null) {
                folders.add(xdg.resolve(peer));
            }
        }
        LinkedHashSet<Path> files = new LinkedHashSet<>();
        folders.forEach(f -> files.add(f.resolve("config.yaml")));
        return List.copyOf(files);
    }
}
