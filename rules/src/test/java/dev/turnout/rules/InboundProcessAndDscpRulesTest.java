package dev.turnout.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * mihomo's IN-PORT, IN-TYPE, IN-NAME, IN-USER, PROCESS-PATH, PROCESS-NAME-REGEX, PROCESS-PATH-REGEX, UID and DSCP:
 * parsing and matching.
 */
class InboundProcessAndDscpRulesTest {

    private static Query with(Sender sender) {
        return new Query(Network.TCP, "example.org", null, 443, null, 0, null, sender);
    }

    private static int index(RuleSet s, Sender sender) {
        return s.decide(with(sender), d -> java.util.List.of()).index();
    }

    @Test
    void inboundRulesMatchThePortTypeNameAndUserTheInboundReported() throws Exception {
        RuleSet s = Rules.compile("IN-PORT,7000-7100/7890,PROXY", "IN-TYPE,socks,PROXY", "IN-TYPE,HTTPS/TUN,GROUP",
                "IN-NAME,DEFAULT-MIXED/ss-in,PROXY", "IN-USER,alice,GROUP");
        assertEquals(0, index(s, new Sender(7890, "SOCKS5", "DEFAULT-MIXED", "alice", null, -1, -1)));
        assertEquals(1, index(s, new Sender(8000, "SOCKS5", "DEFAULT-MIXED", null, null, -1, -1)));
        assertEquals(1, index(s, new Sender(0, "SOCKS4", null, null, null, -1, -1)), "SOCKS is both versions");
        assertEquals(2, index(s, new Sender(0, "HTTPS", null, null, null, -1, -1)));
        assertEquals(2, index(s, new Sender(0, "TUN", null, null, null, -1, -1)));
        assertEquals(3, index(s, new Sender(0, "HTTP", "ss-in", null, null, -1, -1)));
        assertEquals(-1, index(s, new Sender(0, "HTTP", "default-mixed", null, null, -1, -1)),
                "names compare exactly, as in mihomo");
        assertEquals(4, index(s, new Sender(0, "HTTP", null, "alice", null, -1, -1)));
        assertEquals(-1, index(s, new Sender(0, "HTTP", null, "Alice", null, -1, -1)));
        assertEquals(-1, index(s, Sender.UNKNOWN), "nothing known, nothing matches");
    }

    @Test
    void processPathComparesIgnoringCaseAndUidMatchesRangesOfKnownIds() throws Exception {
        RuleSet s = Rules.compile("PROCESS-PATH,/usr/bin/Curl,PROXY", "UID,1000-1999/65534,GROUP", "UID,0,PROXY");
        assertEquals(0, index(s, new Sender(0, null, null, null, "/usr/bin/curl", 1500, -1)));
        assertEquals(1, index(s, new Sender(0, null, null, null, "/bin/sh", 1500, -1)));
        assertEquals(1, index(s, new Sender(0, null, null, null, null, 65534, -1)));
        assertEquals(-1, index(s, new Sender(0, null, null, null, null, 2000, -1)));
        assertEquals(2, index(s, new Sender(0, null, null, null, null, 0, -1)), "root is a known user id");
        assertEquals(-1, index(s, Sender.UNKNOWN));
        // mihomo's never matches user 0: said at the rule (s69's keys tester, F14)
        assertEquals(java.util.List.of("config.yaml:12:9: UID 0 matches root's flows here; mihomo's UID rule never"
                + " matches user 0, as the README says"), s.warnings());
    }

    @Test
    void processRegexesAreFoundInTheNameOrThePathIgnoringCase() throws Exception {
        RuleSet s = Rules.compile("PROCESS-NAME-REGEX,^steam(webhelper)?$,PROXY", "PROCESS-PATH-REGEX,^/opt/.+/bin/,GROUP",
                "PROCESS-NAME-REGEX,[a-z]{3,4}d$,PROXY");
        assertEquals(0, s.decide(named("SteamWebHelper", null), d -> java.util.List.of()).index(), "ignoring case");
        assertEquals(-1, s.decide(named("steam-cli", null), d -> java.util.List.of()).index(), "anchored by the pattern");
        assertEquals(1, s.decide(named("tool", "/opt/Tool/bin/tool"), d -> java.util.List.of()).index());
        assertEquals(2, s.decide(named("sshd", "/usr/sbin/sshd"), d -> java.util.List.of()).index(),
                "a regex with a comma in it, as mihomo reads the line");
        assertEquals(2, s.decide(named("x-sshd", null), d -> java.util.List.of()).index(), "found anywhere");
        assertEquals(-1, s.decide(named(null, null), d -> java.util.List.of()).index(), "an unknown process");
        assertTrue(s.mayNeedProcess());
        RuleException bad = assertThrows(RuleException.class, () -> Rules.compile("PROCESS-PATH-REGEX,(unclosed,PROXY"));
        assertTrue(bad.getMessage().contains("bad regex '(unclosed' in PROCESS-PATH-REGEX"), bad.getMessage());
    }

    @Test
    void processWildcardsMatchTheWholeNameOrPathIgnoringCase() throws Exception {
        // mihomo's PROCESS-NAME-WILDCARD and PROCESS-PATH-WILDCARD (refused as unknown types before), as real
        // configs write them: "PROCESS-NAME-WILDCARD,*torrent*,REJECT".
        RuleSet s = Rules.compile("PROCESS-NAME-WILDCARD,*torrent*,PROXY", "PROCESS-PATH-WILDCARD,/opt/*/bin/tool?,GROUP",
                "PROCESS-NAME-WILDCARD,com.example.app,PROXY");
        assertEquals(0, s.decide(named("qBittorrent", null), d -> java.util.List.of()).index(), "ignoring case");
        assertEquals(1, s.decide(named("x", "/opt/A/b/bin/tool2"), d -> java.util.List.of()).index(), "* spans slashes");
        assertEquals(-1, s.decide(named("x", "/opt/a/bin/tool"), d -> java.util.List.of()).index(), "? is one character");
        assertEquals(-1, s.decide(named("x", "/opt/a/bin/tool22"), d -> java.util.List.of()).index(), "the whole path");
        assertEquals(2, s.decide(named("com.example.app", null), d -> java.util.List.of()).index());
        assertEquals(-1, s.decide(named("comXexampleXapp", null), d -> java.util.List.of()).index(), "a dot is a dot");
        assertEquals(-1, s.decide(named(null, null), d -> java.util.List.of()).index(), "an unknown process");
        assertTrue(s.mayNeedProcess());
    }

    private static Query named(String process, String path) {
        return new Query(Network.TCP, "example.org", null, 443, null, 0, process,
                new Sender(0, null, null, null, path, -1, -1));
    }

    @Test
    void dscpMatchesRangesWithinSixBitsAndNeverAnUnknownDscp() throws Exception {
        RuleSet s = Rules.compile("DSCP,46,PROXY", "DSCP,8-15/0,GROUP", "DSCP,*,PROXY");
        assertEquals(0, index(s, new Sender(0, null, null, null, null, -1, 46)));
        assertEquals(1, index(s, new Sender(0, null, null, null, null, -1, 0)));
        assertEquals(1, index(s, new Sender(0, null, null, null, null, -1, 12)));
        assertEquals(2, index(s, new Sender(0, null, null, null, null, -1, 63)));
        assertEquals(-1, index(s, Sender.UNKNOWN));
        assertEquals(2, s.warnings().size(), "8-15/0 and * take in 0, which mihomo gives a proxy port's flows: "
                + s.warnings());
        assertTrue(s.warnings().get(0).startsWith("config.yaml:11:10: DSCP 0 never matches a flow whose DSCP is unknown"
                + " here"), s.warnings().get(0));
        RuleException e = assertThrows(RuleException.class, () -> Rules.compile("DSCP,64,PROXY"));
        assertTrue(e.getMessage().contains("config.yaml:10:10") && e.getMessage().contains("64 is above 63"),
                e.getMessage());
    }

    @Test
    void badPayloadsAreErrorsNamingWhereTheyAre() {
        for (String bad : new String[] {"IN-TYPE,FTP,PROXY", "UID,abc,PROXY", "UID,4294967296,PROXY",
            "UID,1-2-3,PROXY", "IN-PORT,70000,PROXY", "DSCP,/,PROXY"}) {
            RuleException e = assertThrows(RuleException.class, () -> Rules.compile(bad), bad);
            assertTrue(e.getMessage().startsWith("config.yaml:10:"), e.getMessage());
        }
    }

    @Test
    void theRulesTellWhetherADecisionNeedsTheOwningProcess() throws Exception {
        RuleSet none = Rules.compile("DOMAIN,example.org,PROXY", "IN-TYPE,TUN,PROXY", "DSCP,1,PROXY");
        assertFalse(none.mayNeedProcess(), "inbound facts and DSCP need no lookup");
        RuleSet s = Rules.compile("DOMAIN,example.org,PROXY", "AND,((NETWORK,tcp),(UID,1000)),GROUP",
                "MATCH,PROXY");
        assertTrue(s.mayNeedProcess());
        assertFalse(s.needsProcess(s.decide(Rules.domain("example.org"), d -> java.util.List.of())),
                "decided before the first process rule");
        assertTrue(s.needsProcess(s.decide(Rules.domain("other.org"), d -> java.util.List.of())));
        RuleSet nested = RuleSet.compile(Rules.lines("RULE-SET,apps,PROXY"),
                Map.of("apps", Rules.text("apps", Behavior.CLASSICAL, "PROCESS-PATH,/usr/bin/curl\n")), Rules.TARGETS);
        assertTrue(nested.mayNeedProcess(), "a classical provider's process rule counts");
    }
}
