package dev.turnout.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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

    @Test
    void aLocalRuleSetMayBeReadFromAnywhereSinceNothingIsWrittenToIt() throws Exception {
        Config c = parse("rule-providers:\n  cn: {type: file, behavior: domain, path: /usr/share/rules/cn.yaml}\n");
        assertEquals(Path.of("/usr/share/rules/cn.yaml"), c.providers().get("cn").path());
    }
}
