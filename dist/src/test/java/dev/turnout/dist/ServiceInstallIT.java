package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code turnout service install} of the packaged Turnout, into a scratch root (never the machine's /etc): systemd's
 * own checker accepts the unit without a warning, and it grants exactly the three network capabilities.
 */
class ServiceInstallIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));

    @TempDir
    Path root;

    @Test
    void systemdAnalyzeVerifiesTheInstalledUnitAndItHasExactlyTheThreeCapabilities() throws Exception {
        Required.nothingMissing(Daemons.missing("systemd-analyze"));
        Netns.Result install = PluginsIT.runLauncher("service", "install", "--os", "linux", "--root", root.toString());
        assertEquals(0, install.exitCode(), install.stdout() + install.stderr());
        Path unit = root.resolve("etc/systemd/system/turnout.service");
        String text = Files.readString(unit);
        String start = text.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        assertTrue(start.endsWith("/bin/turnout run -c /etc/turnout/config.yaml --pid-file /run/turnout/turnout.pid"), start);
        assertTrue(Files.isSameFile(Path.of(start.substring("ExecStart=".length()).split(" ")[0]), DIST.resolve("bin/turnout")),
                "the unit runs this Turnout: " + start);

        Process verify = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
        String said = new String(verify.getInputStream().readAllBytes());
        assertTrue(verify.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, verify.exitValue(), said);
        assertEquals("", said.strip(), "no warning either (an unknown key is only a warning)");

        Set<String> three = Set.of("CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW");
        for (String key : List.of("AmbientCapabilities", "CapabilityBoundingSet")) {
            List<String> lines = text.lines().filter(l -> l.startsWith(key + "=")).toList();
            assertEquals(1, lines.size(), key);
            assertEquals(three, Arrays.stream(lines.get(0).substring(key.length() + 1).split("\\s+")).collect(Collectors.toSet()), key);
        }

        Netns.Result uninstall = PluginsIT.runLauncher("service", "uninstall", "--os", "linux", "--root", root.toString());
        assertEquals(0, uninstall.exitCode(), uninstall.stderr());
        assertFalse(Files.exists(unit));
    }

    @Test
    void theShippedExampleUnitIsWhatInstallWritesForOptTurnout() throws Exception {
        Netns.Result install = PluginsIT.runLauncher("service", "install", "--os", "linux", "--root", root.toString(),
                "--home", "/opt/turnout");
        assertEquals(0, install.exitCode(), install.stderr());
        assertEquals(Files.readString(root.resolve("etc/systemd/system/turnout.service")),
                Files.readString(DIST.resolve("systemd/turnout.service")));
    }
}
