package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafePathsTest {

    @TempDir
    Path dir;

    private Config running() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path file = Files.writeString(home.resolve("config.yaml"), "mixed-port: 7890\n");
        return ConfigLoader.load(file, null);
    }

    @Test
    void filesInTheConfigsFolderAreAllowedByTheirRealPath() throws Exception {
        Config c = running();
        Path other = Files.writeString(dir.resolve("home/other.yaml"), "mixed-port: 7891\n");
        SafePaths safe = new SafePaths(c, null);
        assertEquals(other.toRealPath(), safe.check(other));
        assertEquals(other.toRealPath(), safe.check(dir.resolve("home/sub/../other.yaml")));
        assertThrows(NoSuchFileException.class, () -> safe.check(dir.resolve("home/missing.yaml")));
    }

    @Test
    void dotDotAndSymlinksOutOfTheFolderAreRefused() throws Exception {
        Config c = running();
        Path outside = Files.writeString(dir.resolve("outside.yaml"), "secret: hunter2\n");
        Files.createSymbolicLink(dir.resolve("home/link.yaml"), outside);
        SafePaths safe = new SafePaths(c, null);
        SafePaths.Refused e = assertThrows(SafePaths.Refused.class, () -> safe.check(dir.resolve("home/../outside.yaml")));
        assertTrue(e.getMessage().startsWith("path " + dir.resolve("home/../outside.yaml") + " is outside the config's folder"),
                e.getMessage());
        assertThrows(SafePaths.Refused.class, () -> safe.check(dir.resolve("home/link.yaml")));
        assertThrows(SafePaths.Refused.class, () -> safe.check(Path.of("/etc/shadow")));
        // Not even whether it exists is told.
        assertThrows(SafePaths.Refused.class, () -> safe.check(Path.of("/nonexistent/x.yaml")));
    }

    @Test
    void safePathsAddsFoldersLikeMihomo() throws Exception {
        Config c = running();
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path file = Files.writeString(shared.resolve("c.yaml"), "mixed-port: 7891\n");
        assertThrows(SafePaths.Refused.class, () -> new SafePaths(c, null).check(file));
        assertEquals(file.toRealPath(), new SafePaths(c, "/nonexistent:" + shared + ":relative/ignored").check(file));
    }
}
