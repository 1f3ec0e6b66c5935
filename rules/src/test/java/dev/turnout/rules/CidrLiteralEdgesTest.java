package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * IP-CIDR payloads at their edges, as Go's net.ParseCIDR reads them (mihomo): every digit in a prefix length,
 * lengths up to the family's width and no further (however many digits), host bits cleared, dotted quads of
 * 0-255 without leading zeros, IPv6 hex digits in either case.
 */
class CidrLiteralEdgesTest {

    private static boolean matches(String cidr, String address) throws RuleException {
        return compile("IP-CIDR," + cidr + ",PROXY").decide(ip(address), NameResolver.NONE).index() == 0;
    }

    private static String problem(String cidr) {
        return assertThrows(RuleException.class, () -> compile("IP-CIDR," + cidr + ",PROXY")).getMessage();
    }

    @Test
    void prefixLengthsOfEveryDigitAreRead() throws Exception {
        assertEquals(true, matches("10.128.0.0/9", "10.200.0.1"));
        assertEquals(false, matches("10.128.0.0/9", "10.127.255.255"));
        assertEquals(true, matches("10.0.0.0/10", "10.63.0.1"));
        assertEquals(false, matches("10.0.0.0/10", "10.64.0.1"));
        assertEquals(true, matches("10.0.0.0/20", "10.0.15.1"));
        assertEquals(false, matches("10.0.0.0/20", "10.0.16.1"));
        assertEquals(true, matches("198.51.100.0/29", "198.51.100.7"));
        assertEquals(false, matches("198.51.100.0/29", "198.51.100.8"));
    }

    @Test
    void aLengthBeyondTheFamilysWidthIsRefusedHoweverItIsWritten() throws Exception {
        assertEquals(true, matches("192.0.2.1/32", "192.0.2.1"));
        assertEquals(true, matches("2001:db8::1/128", "2001:db8::1"));
        assertEquals(false, matches("2001:db8::1/128", "2001:db8::2"));
        assertEquals("config.yaml:10:13: bad CIDR: prefix length 33 too long in 192.0.2.1/33", problem("192.0.2.1/33"));
        assertEquals("config.yaml:10:13: bad CIDR: prefix length 129 too long in 2001:db8::/129",
                problem("2001:db8::/129"));
        // 4294967320 is 24 once it wraps around a 32-bit int: it must not pass as /24
        assertEquals("config.yaml:10:13: bad CIDR: bad prefix length in 192.0.2.0/4294967320",
                problem("192.0.2.0/4294967320"));
        for (String bad : new String[] {"192.0.2.0/", "192.0.2.0/2a", "192.0.2.0/-1", "192.0.2.0/2:", "192.0.2.0/2/"}) {
            assertEquals("config.yaml:10:13: bad CIDR: bad prefix length in " + bad, problem(bad), bad);
        }
    }

    @Test
    void hostBitsAreClearedAsGoDoes() throws Exception {
        assertEquals(true, matches("192.0.2.77/24", "192.0.2.1"));
        assertEquals(true, matches("192.0.2.77/0", "8.8.8.8"), "/0 with host bits is every IPv4 address");
        assertEquals(true, matches("2001:db8:0:1::5/64", "2001:db8:0:1::9"));
        assertEquals(false, matches("2001:db8:0:1::5/64", "2001:db8:0:2::5"));
        assertEquals(true, matches("2001:db8:0:1:ffff::5/65", "2001:db8:0:1:8000::"));
        assertEquals(false, matches("2001:db8:0:1:ffff::5/65", "2001:db8:0:1:7fff::"));
        assertEquals(true, matches("2001:db8::5/0", "2001:db8:ffff::1"));
    }

    @Test
    void dottedQuadsHoldFourNumbersUpTo255WithoutLeadingZeros() throws Exception {
        assertEquals(true, matches("255.255.255.255/32", "255.255.255.255"));
        assertEquals(true, matches("0.0.0.0/32", "0.0.0.0"));
        assertEquals(true, matches("192.0.2.0/24", "192.0.2.9"));
        for (String bad : new String[] {"256.0.0.0/8", "192.0.2.256/32", "01.2.3.4/32", "192.0.02.0/24",
            "192.0.2/24", "192.0.2.0.1/32", "192..2.0/24", "192.0.2.0./24", ".192.0.2/24", "192.0.2.x/24",
            "/8"}) {
            assertEquals("config.yaml:10:13: bad CIDR: bad address in " + bad, problem(bad), bad);
        }
    }

    @Test
    void ipv6HexDigitsAreReadInEitherCase() throws Exception {
        for (String digit : new String[] {"0", "9", "a", "f", "A", "F"}) {
            assertEquals(true, matches("2001:db8::" + digit + "/128", "2001:db8::" + digit.toLowerCase()), digit);
            assertEquals(false, matches("2001:db8::" + digit + "/128", "2001:db8::1" + digit), digit);
        }
        for (String bad : new String[] {"2001:db8::g/128", "2001:db8::G/128", "2001:db8::/ 64", "2001:db8:: /64",
            "[2001:db8::]/64", "2001:db8::%1/64", "fe80::1%eth0/64"}) {
            RuleException e = assertThrows(RuleException.class, () -> compile("IP-CIDR," + bad + ",PROXY"), bad);
            assertEquals(true, e.getMessage().startsWith("config.yaml:10:13: bad CIDR: bad "), e.getMessage());
        }
    }
}
