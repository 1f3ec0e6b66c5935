package dev.turnout.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a rule provider may keep its file. A download is written to its {@code path}, and Turnout often runs as
 * root: a config (one a dashboard PUTs too) must not make it write over any file of the machine.
 */
class RuleProviderPathTest {

    private static Config parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "c.yaml", null, Path.of("/home/u/.config/turnout"));
    }

    @Test
    void aDownloadedRuleSetOutsideTheHomeFolderIsRefusedAtItsPath() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(String.join("\n",
                "rule-providers:",
                "  ads: {type: http, behavior: domain, url: 'http://192.0.2.80/ads.yaml', path: ../../../../etc/cron.d/x}",
                "")));
        assertEquals("c.yaml:2:80: rule provider 'ads': path /etc/cron.d/x is outside the home folder "
                + "/home/u/.config/turnout and SAFE_PATHS; refused, as in mihomo (SKIP_SAFE_PATH_CHECK=1 allows it)",
                e.getMessage());
    }

    @Test
    void aDownloadedRuleSetInsideTheHomeFolderIsKeptWhereItSays() throws Exception {
        Config c = parse("rule-providers:\n  ads: {type: http, behavior: domain, url: 'http://192.0.2.80/a', path: ./sets/ads.yaml}\n");
        assertEquals(Path.of("/home/u/.config/turnout/sets/ads.yaml"), c.providers().get("ads").path());
    }

    /**
     * A folder inside the home that is a link to elsewhere does not carry a download out of it: whoever can write the
     * home folder (a service's user) could otherwise send root's write anywhere. mihomo compares the names only.
     */
    @Test
    void aDownloadedRuleSetThroughALinkedFolderThatLeavesTheHomeIsRefused(@TempDir Path dir) throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.createSymbolicLink(home.resolve("d"), elsewhere);
        Files.createDirectories(home.resolve("inside"));
        Files.createSymbolicLink(home.resolve("e"), home.resolve("inside"));
        String yaml = "rule-providers:\n  ads: {type: http, behavior: domain, url: 'http://192.0.2.80/a', path: ./%s/ads.yaml}\n";
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(String.format(yaml, "d"), "c.yaml", null, home));
        assertTrue(e.getMessage().contains("leads outside the home folder " + home + " and SAFE_PATHS through a symbolic"
                + " link; refused"), e.getMessage());
        assertEquals(home.resolve("e/ads.yaml"), ConfigLoader.parse(String.format(yaml, "e"), "c.yaml", null, home)
                .providers().get("ads").path(), "a link that stays inside is fine");
        assertEquals(elsewhere.resolve("x.yaml"), ConfigLoader.parse("rule-providers:\n  l: {type: file, behavior:"
                + " domain, path: ./d/../elsewhere/x.yaml}\n", "c.yaml", null, dir).providers().get("l").path()
                .normalize(), "a local set is read where it is");
    }

    @Test
    void aLocalRuleSetMayBeReadFromAnywhereSinceNothingIsWrittenToIt() throws Exception {
        Config c = parse("rule-providers:\n  cn: {type: file, behavior: domain, path: /usr/share/rules/cn.yaml}\n");
        assertEquals(Path.of("/usr/share/rules/cn.yaml"), c.providers().get("cn").path());
    }
}
