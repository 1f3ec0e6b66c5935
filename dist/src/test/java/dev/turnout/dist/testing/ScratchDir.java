package dev.turnout.dist.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A test class's working folder (configs, daemon logs) that outlives @BeforeAll, which @TempDir fields do not;
 * removed afterwards unless {@code -Dturnout.keepTestFiles=true} asks to keep it for a post-mortem.
 */
public final class ScratchDir {

    private ScratchDir() {
    }

    public static Path create(String prefix) throws IOException {
        return Files.createTempDirectory(prefix);
    }

    public static void delete(Path dir) throws IOException {
        if (dir == null || Boolean.getBoolean("turnout.keepTestFiles")) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
