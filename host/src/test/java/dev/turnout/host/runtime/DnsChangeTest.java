package dev.turnout.host.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import org.junit.jupiter.api.Test;

class DnsChangeTest {

    private static final String BASE = "dns:|  enable: true|  listen: 127.0.0.1:1053|  enhanced-mode: fake-ip"
            + "|  nameserver: [192.0.2.53]";

    private static DnsChange between(String running, String next) throws ConfigException {
        Config r = SettingsTest.parse(running);
        Config n = SettingsTest.parse(next);
        return DnsChange.between(r, DnsSettings.from(r), n, DnsSettings.from(n));
    }

    @Test
    void anUnchangedSectionChangesNothing() throws Exception {
        assertEquals(DnsChange.NONE, between(BASE, BASE));
        assertEquals(DnsChange.NONE, between("mixed-port: 7890", "mixed-port: 7891|dns: {enable: false}"));
    }

    @Test
    void clashVergesDnsOverrideChangesEveryPartItRewrites() throws Exception {
        // Its override swaps the whole section: servers, listener, AAAA, hosts file, keys Turnout does not act on,
        // and here the mode as well.
        DnsChange c = between(BASE, "dns:|  enable: true|  listen: 0.0.0.0:1054|  enhanced-mode: redir-host"
                + "|  nameserver: [192.0.2.54]|  ipv6: true|  use-system-hosts: false|  prefer-h3: true"
                + "|  cache-algorithm: arc|  fake-ip-filter: ['+.lan']");
        assertTrue(c.servers());
        assertTrue(c.filter());
        assertTrue(c.listen());
        assertTrue(c.ipv6());
        assertTrue(c.systemHosts());
        assertTrue(c.mode());
        assertFalse(c.switched());
    }

    @Test
    void keysTurnoutDoesNotActOnAskForNothing() throws Exception {
        assertEquals(DnsChange.NONE, between(BASE, BASE + "|  prefer-h3: true|  cache-algorithm: arc|  use-hosts: true"));
    }

    @Test
    void theFakeRangesCountOnlyWhereTheyAreUsed() throws Exception {
        // Whether the pools can take them is the DNS's to say (DnsService.useMode).
        assertTrue(between(BASE, BASE + "|  fake-ip-range: 198.18.0.1/24").mode());
        assertTrue(between(BASE, BASE + "|  fake-ip-range6: 'fdfe:dcba:9876::1/112'").mode());
        String normal = BASE.replace("fake-ip", "normal");
        assertEquals(DnsChange.NONE, between(normal, normal + "|  fake-ip-range: 198.18.0.1/24"));
    }

    @Test
    void switchedOnEveryPartIsToldAndSwitchedOffOnlyTheListener() throws Exception {
        // As Clash Verge's TUN switch writes it into a config without dns: (its enhance/tun.rs).
        assertEquals(new DnsChange(true, true, true, true, true, true, true, true), between("mixed-port: 7890", BASE));
        String unlistened = "dns:|  enable: true|  enhanced-mode: fake-ip|  fake-ip-range: 198.18.0.1/16";
        assertEquals(new DnsChange(true, true, false, true, true, true, true, true), between("mixed-port: 7890", unlistened));
        assertEquals(new DnsChange(false, false, true, false, false, false, false, true),
                between(BASE, BASE.replace("enable: true", "enable: false")));
        assertEquals(new DnsChange(false, false, false, false, false, false, false, true), between(unlistened, "ipv6: true"));
    }

    @Test
    void theTopLevelIpv6TurnsAaaaAnswersOffAsDnsIpv6Does() throws Exception {
        DnsChange c = between(BASE + "|  ipv6: true", "ipv6: false|" + BASE + "|  ipv6: true");
        assertTrue(c.ipv6());
        assertFalse(c.servers());
        assertFalse(c.switched());
    }
}
