package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, as written there, on a fresh Debian machine: its install part (everything before
 * the build) is run with a PATH of stand-ins that record their calls: {@code apt-get}, {@code id} (to be root or
 * a user) and, only where a user has it, {@code sudo}. As root it must call apt-get itself, with no sudo on the
 * PATH at all (the CI and development machines here have none); as a user, through sudo.
 */
class ReadmeFirstCommandTest {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    /** The first line of the first sh block under "Two commands". */
    static String firstCommand() throws IOException {
        String readme = Files.readString(REPO.resolve("README.md"));
        int section = readme.indexOf("## Two commands");
        int block = readme.indexOf("```sh\n", section);
        assertTrue(section >= 0 && block >= 0, "README has its first command in a sh block under 'Two commands'");
        int start = block + "```sh\n".length();
        return readme.substring(start, readme.indexOf('\n', start)).strip();
    }

    /** The command's part before the build (the install of what the build needs). */
    static String installPart() throws IOException {
        String command = firstCommand();
        int build = command.indexOf(" && mvn ");
        assertTrue(build > 0, "the first command installs, then builds with mvn: " + command);
        return command.substring(0, build);
    }

    private record Run(int exit, String output, String calls) {
    }

    private static void script(Path bin, String name, String body) throws IOException {
        Path f = bin.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Run run(Path dir, int uid, boolean withSudo) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path calls = dir.resolve("calls");
        script(bin, "id", "[ \"$1\" = -u ] && echo " + uid);
        script(bin, "apt-get", "echo \"apt-get DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*\" >> " + calls);
        if (withSudo) {
            script(bin, "sudo", "echo \"sudo $*\" >> " + calls + "\nexec \"$@\"");
        }
        Files.createSymbolicLink(bin.resolve("env"), Path.of("/usr/bin/env"));
        Files.createSymbolicLink(bin.resolve("sh"), Path.of("/bin/sh"));
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", installPart()).directory(REPO.toFile())
                .redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, Files.exists(calls) ? Files.readString(calls) : "");
    }

    @Test
    void asRootWithoutSudoItCallsAptGetItself(@TempDir Path dir) throws Exception {
        Run r = run(dir, 0, false);
        assertEquals(0, r.exit(), r.output());
        assertEquals(List.of("apt-get DEBIAN_FRONTEND=noninteractive update -qq",
                "apt-get DEBIAN_FRONTEND=noninteractive install -y -qq openjdk-17-jdk-headless maven"),
                r.calls().lines().toList(), r.output());
        assertTrue(r.output().contains("Java 17 and Maven"), "says what it installs: " + r.output());
    }

    @Test
    void asAUserItAsksSudo(@TempDir Path dir) throws Exception {
        Run r = run(dir, 1000, true);
        assertEquals(0, r.exit(), r.output());
        List<String> calls = r.calls().lines().toList();
        assertEquals("sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven", calls.get(2));
        assertEquals("apt-get DEBIAN_FRONTEND=noninteractive install -y -qq openjdk-17-jdk-headless maven", calls.get(3));
        assertEquals(4, calls.size(), r.calls());
    }

    @Test
    void asAUserWithoutSudoItSaysWhatToRunAsRoot(@TempDir Path dir) throws Exception {
        Run r = run(dir, 1000, false);
        assertEquals(1, r.exit());
        assertTrue(r.output().contains("as root, run: apt-get update && apt-get install -y openjdk-17-jdk-headless maven"),
                r.output());
        assertFalse(r.calls().contains("apt-get"));
    }
}
