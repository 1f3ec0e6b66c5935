package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FakeIpFilterTest {

    @Test
    void starMatchesExactlyOneLabel() {
        FakeIpFilter f = new FakeIpFilter(List.of("*.lan"));
        assertTrue(f.matches("router.lan"));
        assertTrue(f.matches("ROUTER.LAN."));
        assertFalse(f.matches("lan"));
        assertFalse(f.matches("a.router.lan"));
    }

    @Test
    void plusMatchesTheNameAndEveryDepth() {
        FakeIpFilter f = new FakeIpFilter(List.of("+.example.com"));
        assertTrue(f.matches("example.com"));
        assertTrue(f.matches("a.example.com"));
        assertTrue(f.matches("a.b.c.example.com"));
        assertFalse(f.matches("badexample.com"));
        assertFalse(f.matches("example.org"));
    }

    @Test
    void leadingDotMatchesSubdomainsOnly() {
        FakeIpFilter f = new FakeIpFilter(List.of(".example.net"));
        assertTrue(f.matches("www.example.net"));
        assertTrue(f.matches("a.b.example.net"));
        assertFalse(f.matches("example.net"));
    }

    @Test
    void plainNamesMatchExactly() {
        FakeIpFilter f = new FakeIpFilter(List.of("localhost.ptlocal.net", "time.windows.com"));
        assertTrue(f.matches("localhost.ptlocal.net"));
        assertTrue(f.matches("time.windows.com."));
        assertFalse(f.matches("x.localhost.ptlocal.net"));
        assertFalse(f.matches("ptlocal.net"));
    }

    @Test
    void loneStarMatchesSingleLabelNames() {
        FakeIpFilter f = new FakeIpFilter(List.of("*"));
        assertTrue(f.matches("router"));
        assertFalse(f.matches("router.lan"));
    }

    @Test
    void starInTheMiddleIsOneLabel() {
        FakeIpFilter f = new FakeIpFilter(List.of("stun.*.*"));
        assertTrue(f.matches("stun.l.google"));
        assertFalse(f.matches("stun.l.google.com"));
    }

    @Test
    void setEntriesAreAskedOfTheSetsAndWhitelistModeTurnsTheFilterAround() {
        DnsMatchers sets = (key, name) -> key.equals("geosite:private") && name.endsWith(".home.arpa")
                || key.equals("rule-set:Corp") && name.equals("git.corp.test");
        FakeIpFilter f = new FakeIpFilter(List.of("geosite:PRIVATE,cn", "rule-set:Corp", "+.local"), FakeIpFilter.Mode.BLACKLIST, sets);
        assertTrue(f.matches("NAS.Home.Arpa."), "asked in lower case without the dot");
        assertTrue(f.matches("git.corp.test"));
        assertTrue(f.matches("printer.local"));
        assertFalse(f.matches("www.example.test"));
        assertFalse(f.allowsFake("git.corp.test"));
        assertTrue(f.allowsFake("www.example.test"));
        FakeIpFilter whitelist = new FakeIpFilter(List.of("rule-set:Corp", "+.local"), FakeIpFilter.Mode.WHITELIST, sets);
        assertTrue(whitelist.allowsFake("git.corp.test"), "whitelist: only the names listed get fake addresses");
        assertTrue(whitelist.allowsFake("printer.local"));
        assertFalse(whitelist.allowsFake("www.example.test"));
        assertFalse(new FakeIpFilter(List.of("rule-set:Corp")).matches("git.corp.test"), "no sets given: none match");
    }

    @Test
    void ruleModeAsksTheCompiledRulesAndGivesAFakeAddressWhenTheyDoNotSayRealIp() {
        DnsMatchers rules = new DnsMatchers() {
            @Override
            public boolean contains(String key, String name) {
                throw new AssertionError("rule mode has no set entries: asked " + key);
            }

            @Override
            public boolean realIpByRules(String name) {
                return name.equals("nas.home.arpa");
            }
        };
        FakeIpFilter f = new FakeIpFilter(List.of("DOMAIN-SUFFIX,home.arpa,real-ip", "MATCH,fake-ip"),
                FakeIpFilter.Mode.RULE, rules);
        assertFalse(f.allowsFake("nas.home.arpa"));
        assertTrue(f.allowsFake("www.example.test"));
        assertFalse(f.matches("nas.home.arpa"), "its entries are not patterns");
    }

    @Test
    void theModeIsReadInAnyCaseAndAnotherIsRefused() {
        assertEquals(FakeIpFilter.Mode.RULE, FakeIpFilter.Mode.parse("Rule"));
        assertEquals(FakeIpFilter.Mode.WHITELIST, FakeIpFilter.Mode.parse("WHITELIST"));
        assertEquals("fake-ip-filter-mode must be blacklist, whitelist or rule, got 'rules'",
                assertThrows(IllegalArgumentException.class, () -> FakeIpFilter.Mode.parse("rules")).getMessage());
    }

    @Test
    void setEntriesNameTheirSetsAsMihomoReadsThem() {
        assertEquals(List.of("geosite:cn", "geosite:geolocation-!cn"), DnsMatchers.keysOf("GeoSite:CN, geolocation-!cn"));
        assertEquals(List.of("rule-set:Direct", "rule-set:ai"), DnsMatchers.keysOf("rule-set:Direct,ai"));
        assertEquals(List.of(), DnsMatchers.keysOf("+.example.com"));
        assertThrows(IllegalArgumentException.class, () -> DnsMatchers.keysOf("geosite:"));
        assertThrows(IllegalArgumentException.class, () -> DnsMatchers.keysOf("rule-set:a,,b"));
    }

    @Test
    void rejectsInvalidPatterns() {
        assertThrows(IllegalArgumentException.class, () -> new FakeIpFilter(List.of("geosite:")));
        assertThrows(IllegalArgumentException.class, () -> new FakeIpFilter(List.of("a.+.com")));
        assertThrows(IllegalArgumentException.class, () -> new FakeIpFilter(List.of("a*.com")));
        assertThrows(IllegalArgumentException.class, () -> new FakeIpFilter(List.of("a..com")));
    }

    @Test
    void hostsPreferTheMostSpecificPattern() throws Exception {
        InetAddress exact = InetAddress.getByName("192.0.2.1");
        InetAddress star = InetAddress.getByName("192.0.2.2");
        InetAddress plus = InetAddress.getByName("192.0.2.3");
        HostsTable h = new HostsTable(Map.of("www.example.test", List.of(exact), "*.example.test", List.of(star),
                "+.example.test", List.of(plus)));
        assertEquals(List.of(exact), h.lookup("WWW.example.test."));
        assertEquals(List.of(star), h.lookup("mail.example.test"));
        assertEquals(List.of(plus), h.lookup("example.test"));
        assertEquals(List.of(plus), h.lookup("a.b.example.test"));
        assertEquals(List.of(), h.lookup("example.org"));
    }
}
