package dev.turnout.rules;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds {@code ../shared/rulesets} relative to the repository root: the {@code turnout.repo} system property
 * when set, else the nearest parent of the working directory holding {@code .git}.
 */
public final class SharedRulesets {

    private SharedRulesets() {
    }

    public static Optional<Path> find() {
        String repo = System.getProperty("turnout.repo");
        Path root = repo != null ? Path.of(repo) : null;
        if (root == null) {
            for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.exists(p.resolve(".git"))) {
                    root = p;
                    break;
                }
            }
        }
        if (root == null) {
            return Optional.empty();
        }
        Path dir = root.resolve("../shared/rulesets").normalize();
        return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }
}
