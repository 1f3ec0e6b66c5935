package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Clash's single-dash flags parse as Clash users type them, beside the subcommands. */
class MainOptionsTest {

    @TempDir
    Path dir;

    @Test
    void clashFlagsParseOnTheTopLevelCommand() {
        Main main = new Main();
        new CommandLine(main).parseArgs("-d", "/h", "-f", "c.yaml", "-t", "-ext-ctl", "0.0.0.0:9090", "-ext-ui", "ui",
                "-secret", "s");
        assertEquals(Path.of("/h"), main.config.directory);
        assertEquals(Path.of("c.yaml"), main.config.file);
        assertTrue(main.test);
        assertEquals("0.0.0.0:9090", main.config.externalController);
        assertEquals("ui", main.config.externalUi);
        assertEquals("s", main.config.secret);
    }

    @Test
    void optionsWrittenBeforeACommandAreTheCommandsAndOneItDoesNotTakeIsRefused() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "mixed-port: [\n");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        assertEquals(2, Main.execute("-f", bad.toString(), "-p", plugins.toString(), "check"), "the bad config is checked");
        assertEquals(2, Main.execute("-d", dir.toString(), "-p", plugins.toString(), "check", "-f", bad.toString()));
        Files.copy(bad, dir.resolve("config.yaml"));
        assertEquals(2, Main.execute("-d", dir.toString(), "-p", plugins.toString(), "check"), "DIR/config.yaml");
        // Handed past a command that does not run to the one that does.
        Path root = dir.resolve("root");
        assertEquals(0, Main.execute("-c", "/etc/elsewhere.yaml", "service", "install", "--root", root.toString(),
                "--os", "linux", "--home", dir.toString()));
        assertTrue(Files.readString(root.resolve("etc/systemd/system/turnout.service"))
                .contains("turnout run -c /etc/elsewhere.yaml "));
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, Main.execute("-t", "-p", plugins.toString(), "check"));
        } finally {
            System.setErr(saved);
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("-t does not apply to 'turnout check'"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void checkTakesTheConfigAsItsArgumentTooButOnlyOnce() throws Exception {
        Path bad = Files.writeString(dir.resolve("positional.yaml"), "mixed-port: [\n");
        Path other = Files.writeString(dir.resolve("other.yaml"), "mixed-port: 7890\n");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, Main.execute("check", bad.toString(), "-p", plugins.toString()));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("positional.yaml:2:1: invalid YAML"), err.toString(StandardCharsets.UTF_8));
            err.reset();
            assertEquals(2, Main.execute("check", "-f", other.toString(), bad.toString(), "-p", plugins.toString()));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("check takes one config"),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void minusVPrintsTheVersion() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.execute("-v"));
        } finally {
            System.setOut(saved);
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("turnout "), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void minusTExitsOneForABadConfigAsClashDoes() throws Exception {
        // (Exit 0 for a good one needs the plugins: the packaged Turnout's CliIT shows it.)
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "mixed-port: [\n");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        assertEquals(1, Main.execute("-t", "-f", bad.toString(), "-p", plugins.toString()));
        assertEquals(2, Main.execute("check", "-f", bad.toString(), "-p", plugins.toString()));
    }

    /**
     * Every command's help offers -V, --version: it prints what `turnout --version` does (the lifecycle tester's
     * F11: `turnout run --version` printed nothing and exited 0).
     */
    @Test
    void everyCommandsVersionOptionPrintsTheVersion() {
        String expected = String.join(System.lineSeparator(), new Version().getVersion());
        java.util.List<String[]> commands = java.util.List.of(new String[] {"--version"}, new String[] {"run", "--version"},
                new String[] {"check", "-V"}, new String[] {"match", "--version"}, new String[] {"cleanup", "--version"},
                new String[] {"plugins", "--version"}, new String[] {"reload", "--version"},
                new String[] {"service", "--version"}, new String[] {"service", "install", "--version"},
                new String[] {"service", "uninstall", "-V"});
        PrintStream saved = System.out;
        try {
            for (String[] args : commands) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                assertEquals(0, Main.execute(args), String.join(" ", args));
                assertEquals(expected, out.toString(StandardCharsets.UTF_8).strip(), String.join(" ", args));
            }
        } finally {
            System.setOut(saved);
        }
        assertTrue(expected.startsWith("turnout "), expected);
    }
}
