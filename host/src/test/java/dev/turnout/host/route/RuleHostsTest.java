package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Origin;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RuleHostsTest {

    private final List<String> lookedUp = new ArrayList<>();
    private final NameResolver recording = domain -> {
        lookedUp.add(domain);
        return List.of();
    };

    private static RuleSet rules(String... lines) throws Exception {
        List<RuleLine> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            out.add(new RuleLine(lines[i], new Origin("test.yaml", i + 1, 5)));
        }
        return RuleSet.compile(out, Map.of(), Set.of("DIRECT", "REJECT", "PROXY"));
    }

    private static Metadata to(String host) {
        return Metadata.internal(Network.TCP, Destination.ofHost(host, 443));
    }

    private Router router(RuleSet rules) throws Exception {
        RuleHosts hosts = RuleHosts.parse(Map.of(
                "api.test", List.of("203.0.113.5"),
                "*.wild.test", List.of("203.0.113.6", "198.51.100.6"),
                "+.plus.test", List.of("2001:db8::7")));
        return new Router(new Routing(rules, null, "rule"), recording, hosts);
    }

    @Test
    void aNameInHostsMatchesNoResolveIpRulesWithoutAnyLookup() throws Exception {
        RuleSet rules = rules("IP-CIDR,203.0.113.0/24,PROXY,no-resolve", "IP-CIDR6,2001:db8::/32,REJECT,no-resolve",
                "MATCH,DIRECT");
        Router r = router(rules);
        assertEquals("PROXY", r.decide(r.current(), to("api.test")).target());
        assertEquals("PROXY", r.decide(r.current(), to("API.Test.")).target(), "case and root dot");
        assertEquals("PROXY", r.decide(r.current(), to("x.wild.test")).target(), "*.x takes its first address");
        assertEquals("REJECT", r.decide(r.current(), to("plus.test")).target());
        assertEquals("REJECT", r.decide(r.current(), to("a.b.plus.test")).target());
        assertEquals("DIRECT", r.decide(r.current(), to("other.test")).target());
        assertEquals(List.of(), lookedUp, "no-resolve rules never look a name up");
    }

    @Test
    void aNameInHostsIsNeverLookedUpAndDecidingForItNeverBlocks() throws Exception {
        RuleSet rules = rules("DOMAIN,first.test,DIRECT", "IP-CIDR,203.0.113.0/24,PROXY", "MATCH,REJECT");
        Router r = router(rules);
        assertFalse(r.mayBlock(r.current(), to("api.test")));
        assertTrue(r.mayBlock(r.current(), to("other.test")));
        assertEquals("PROXY", r.decide(r.current(), to("api.test")).target());
        assertEquals(List.of(), lookedUp);
        assertEquals("REJECT", r.decide(r.current(), to("other.test")).target());
        assertEquals(List.of("other.test"), lookedUp, "a name not in hosts is looked up as before");
    }

    @Test
    void domainRulesBeforeStillWinAndLocalhostIsLoopbackAsInMihomo() throws Exception {
        RuleSet rules = rules("DOMAIN-SUFFIX,api.test,DIRECT", "IP-CIDR,203.0.113.0/24,PROXY,no-resolve",
                "IP-CIDR,127.0.0.0/8,REJECT,no-resolve", "MATCH,DIRECT");
        Router r = router(rules);
        assertEquals("DIRECT", r.decide(r.current(), to("api.test")).target());
        assertEquals("REJECT", r.decide(r.current(), to("localhost")).target());
        assertEquals(InetAddress.getByName("127.0.0.1"), RuleHosts.DEFAULT.addressOf("localhost"));
        RuleHosts own = RuleHosts.parse(Map.of("localhost", List.of("192.0.2.1")));
        assertEquals(InetAddress.getByName("192.0.2.1"), own.addressOf("localhost"), "hosts: overrides localhost");
    }

    /** A reload's hosts replace the old ones in place: the router keeps its table, localhost stays 127.0.0.1. */
    @Test
    void newHostsReplaceTheOldOnesInPlace() throws Exception {
        RuleSet rules = rules("IP-CIDR,203.0.113.0/24,PROXY,no-resolve", "IP-CIDR,127.0.0.0/8,REJECT,no-resolve",
                "MATCH,DIRECT");
        RuleHosts hosts = RuleHosts.of(Map.of("api.test", List.of(InetAddress.getByName("203.0.113.5"))));
        Router r = new Router(new Routing(rules, null, "rule"), recording, hosts);
        assertEquals("PROXY", r.decide(r.current(), to("api.test")).target());
        hosts.useHosts(Map.of("new.test", List.of(InetAddress.getByName("203.0.113.9"))));
        assertEquals("DIRECT", r.decide(r.current(), to("api.test")).target(), "its entry is gone");
        assertEquals("PROXY", r.decide(r.current(), to("new.test")).target());
        assertEquals("REJECT", r.decide(r.current(), to("localhost")).target(), "localhost, as mihomo has it");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> RuleHosts.DEFAULT.useHosts(Map.of()));
    }
}
