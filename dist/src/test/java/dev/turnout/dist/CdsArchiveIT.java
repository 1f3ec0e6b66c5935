package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

/**
 * lib/cds-archive.sh run by a user who cannot write the install (a root-unpacked /opt/turnout): it said
 * "cds-archive.sh: …/lib/cds/ID.jsa (N bytes)" and exited 0 after cp and rm had failed (the lifecycle tester's F17).
 */
class CdsArchiveIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));

    @Test
    void aUserWhoCannotWriteTheInstallIsToldSoWithAFailingStatus() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "skipped: the script runs on Linux only");
        Netns.assumeUsable("setpriv");
        Path dir = Files.createTempDirectory("s68-cds");
        try (Netns ns = Netns.create("tcds")) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path copy = dir.resolve("turnout");
            Process cp = new ProcessBuilder("cp", "-a", DIST.toString(), copy.toString()).inheritIO().start();
            assertEquals(0, cp.waitFor());
            Path archive;
            try (var s = Files.list(copy.resolve("lib/cds"))) {
                archive = s.filter(f -> f.toString().endsWith(".jsa")).findFirst().orElse(null);
            }
            assumeTrue(archive != null, "the package has no archive to keep");
            byte[] before = Files.readAllBytes(archive);
            Netns.Result r = ns.run(Duration.ofSeconds(120), "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    "env", "HOME=/nonexistent", "sh", copy.resolve("lib/cds-archive.sh").toString());
            String said = r.stdout() + r.stderr();
            assertEquals(1, r.exitCode(), said);
            assertTrue(r.stderr().contains("cds-archive.sh: cannot write " + copy.resolve("lib/cds")), said);
            assertFalse(said.contains("bytes)"), "no success line: " + said);
            assertArrayEquals(before, Files.readAllBytes(archive), "the install's archive untouched");
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
