package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.compile;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * Edges of the facts rules look at: port 0 is "unknown" even for a range that starts at 0, 65535 is a real
 * port, process names compare ignoring case (also outside ASCII), and an IPv4-mapped IPv6 destination is
 * looked up among the IPv4 rules and nowhere else.
 */
class UnknownPortsProcessCaseAndMappedAddressesTest {

    private static int ports(RuleSet s, int dst, int src) {
        return s.decide(new Query(Network.TCP, "x.com", null, dst, null, src, null), NameResolver.NONE).index();
    }

    @Test
    void portZeroNeverMatchesEvenARangeStartingAtZero() throws Exception {
        RuleSet s = compile("DST-PORT,0-100,PROXY", "SRC-PORT,0-100,GROUP");
        assertEquals(-1, ports(s, 0, 0));
        assertEquals(0, ports(s, 1, 0));
        assertEquals(1, ports(s, 0, 1));
    }

    @Test
    void portFromSixtyFiveThousandFiveHundredThirtyFiveMatches() throws Exception {
        RuleSet s = compile("DST-PORT,65535,PROXY", "SRC-PORT,65000-65535,GROUP");
        assertEquals(0, ports(s, 65535, 0));
        assertEquals(1, ports(s, 443, 65535));
        assertEquals(-1, ports(s, 65534, 64999));
    }

    private static int process(RuleSet s, String name) {
        return s.decide(new Query(Network.TCP, "x.com", null, 443, null, 0, name), NameResolver.NONE).index();
    }

    @Test
    void processNamesCompareIgnoringCaseAtTheEndsOfTheAlphabetAndBeyondAscii() throws Exception {
        RuleSet s = compile("PROCESS-NAME,aria2c,PROXY", "PROCESS-NAME,zsh,GROUP", "PROCESS-NAME,émile,DIRECT");
        assertEquals(0, process(s, "Aria2c"));
        assertEquals(0, process(s, "aria2c"));
        assertEquals(1, process(s, "Zsh"));
        assertEquals(2, process(s, "ÉMILE"));
        assertEquals(-1, process(s, "[sh"), "the characters next to A and Z are not letters");
    }

    @Test
    void mappedDestinationIsMatchedOnlyByTheIpv4RuleContainingIt() throws Exception {
        RuleSet s = compile("DOMAIN,a.com,PROXY", "IP-CIDR,192.0.2.0/24,GROUP");
        assertEquals(1, destination(s, mapped(192, 0, 2, 9)));
        assertEquals(-1, destination(s, mapped(198, 51, 100, 1)), "no rule contains it");
        RuleSet v6only = compile("DOMAIN,a.com,PROXY", "IP-CIDR6,2001:db8::/32,GROUP");
        assertEquals(-1, destination(v6only, mapped(192, 0, 2, 9)), "no IPv4 rule at all");
    }

    private static int destination(RuleSet s, InetAddress ip) {
        return s.decide(new Query(Network.TCP, null, ip, 443, null, 0, null), NameResolver.NONE).index();
    }

    private static InetAddress mapped(int a, int b, int c, int d) throws Exception {
        byte[] m = new byte[16];
        m[10] = (byte) 0xff;
        m[11] = (byte) 0xff;
        m[12] = (byte) a;
        m[13] = (byte) b;
        m[14] = (byte) c;
        m[15] = (byte) d;
        return Inet6Address.getByAddress(null, m, -1);
    }

    @Test
    void ipv4DestinationWithOnlyIpv6RulesMatchesNothing() throws Exception {
        RuleSet s = compile("DOMAIN,a.com,PROXY", "IP-CIDR6,2001:db8::/32,GROUP");
        assertEquals(-1, destination(s, addr("192.0.2.1")));
        assertEquals(1, destination(s, addr("2001:db8::5")));
    }
}
