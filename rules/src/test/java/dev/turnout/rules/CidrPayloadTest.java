package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * IP-CIDR payloads read as Go's net.ParseCIDR reads them: dotted quads without leading zeros and at most 255,
 * prefix lengths up to the family's width, host bits cleared, hex digits in either case.
 */
class CidrPayloadTest {

    private static int first(String rule, String address) throws RuleException {
        return compile(rule).decide(ip(address), NameResolver.NONE).index();
    }

    private static void assertRefused(String rule, String reason) {
        RuleException e = assertThrows(RuleException.class, () -> compile(rule), rule);
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void octetsRunFromZeroToTwoHundredFiftyFive() throws Exception {
        assertEquals(0, first("IP-CIDR,255.255.255.255/32,PROXY", "255.255.255.255"));
        assertEquals(0, first("IP-CIDR,0.0.0.0/32,PROXY", "0.0.0.0"));
        assertRefused("IP-CIDR,192.0.2.256/32,PROXY", "bad address");
        assertRefused("IP-CIDR,192.0.2.1.7/32,PROXY", "bad address");
        assertRefused("IP-CIDR,192.0..1/32,PROXY", "bad address");
    }

    @Test
    void leadingZerosAreRefusedButAZeroOctetIsNot() throws Exception {
        assertRefused("IP-CIDR,192.0.2.01/32,PROXY", "bad address");
        assertRefused("IP-CIDR,010.0.0.0/8,PROXY", "bad address");
        assertEquals(0, first("IP-CIDR,10.0.0.0/8,PROXY", "10.20.30.40"));
        assertEquals(0, first("IP-CIDR,192.0.2.10/32,PROXY", "192.0.2.10"), "a zero after a digit is no leading zero");
    }

    @Test
    void prefixLengthIsAtMostTheFamilysWidth() throws Exception {
        assertEquals(0, first("IP-CIDR,192.0.2.7/32,PROXY", "192.0.2.7"));
        assertEquals(-1, first("IP-CIDR,192.0.2.7/32,PROXY", "192.0.2.6"));
        assertRefused("IP-CIDR,192.0.2.7/33,PROXY", "too long");
        assertEquals(0, first("IP-CIDR6,2001:db8::7/128,PROXY", "2001:db8::7"));
        assertEquals(-1, first("IP-CIDR6,2001:db8::7/128,PROXY", "2001:db8::6"));
        assertRefused("IP-CIDR6,2001:db8::7/129,PROXY", "too long");
        assertRefused("IP-CIDR,192.0.2.0/1280,PROXY", "bad prefix length");
        assertRefused("IP-CIDR,192.0.2.0/,PROXY", "bad prefix length");
        assertRefused("IP-CIDR,192.0.2.0/2:,PROXY", "bad prefix length");
        assertRefused("IP-CIDR,192.0.2.0/2/,PROXY", "bad prefix length");
        assertEquals(0, first("IP-CIDR,0.0.0.0/0,PROXY", "203.0.113.1"), "length 0 holds every address");
    }

    @Test
    void hostBitsAreClearedInBothFamilies() throws Exception {
        assertEquals(0, first("IP-CIDR,192.0.2.77/24,PROXY", "192.0.2.1"));
        assertEquals(-1, first("IP-CIDR,192.0.2.77/24,PROXY", "192.0.3.1"));
        assertEquals(0, first("IP-CIDR6,2001:db8::ffff/64,PROXY", "2001:db8::1"));
        assertEquals(-1, first("IP-CIDR6,2001:db8::ffff/64,PROXY", "2001:db8:0:1::1"));
        assertEquals(0, first("IP-CIDR6,2001:db8::1:ff/112,PROXY", "2001:db8::1:5"));
        assertEquals(-1, first("IP-CIDR6,2001:db8::1:ff/112,PROXY", "2001:db8::2:5"));
        assertEquals(0, first("IP-CIDR6,2001:db8:1:2:3:4:5:6/96,PROXY", "2001:db8:1:2:3:4:ffff:1"));
        assertEquals(-1, first("IP-CIDR6,2001:db8:1:2:3:4:5:6/96,PROXY", "2001:db8:1:2:3:5::1"));
        assertEquals(0, first("IP-CIDR6,2001:db8:1:2:3::/63,PROXY", "2001:db8:1:3::1"));
        assertEquals(-1, first("IP-CIDR6,2001:db8:1:2:3::/63,PROXY", "2001:db8:1:4::1"));
    }

    @Test
    void ipv6HexDigitsMayBeUpperOrLowerCase() throws Exception {
        assertEquals(0, first("IP-CIDR6,2001:DB8:AF09:fa90::/64,PROXY", "2001:db8:af09:fa90::1"));
        assertEquals(-1, first("IP-CIDR6,2001:DB8:AF09:fa90::/64,PROXY", "2001:db8:af09:fa91::1"));
        assertRefused("IP-CIDR6,2001:db8::g/64,PROXY", "bad address");
    }
}
