package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * IP-SUFFIX (mihomo): {@code ADDRESS/BITS} matches an address of the same family whose last BITS bits equal the
 * rule's; the first listed rule that matches decides, among many rules of many lengths, both families, lengths on
 * either side of 64 bits and the same suffix listed twice. Fixed (seeded) rules and addresses, each checked
 * against that reading bit by bit.
 */
class IpSuffixRulesFirstMatchTest {

    private static final int[] V4_BITS = {0, 1, 7, 8, 9, 16, 24, 31, 32};
    private static final int[] V6_BITS = {0, 8, 33, 63, 64, 65, 100, 127, 128};

    private record Suffix(byte[] address, int bits) {
        boolean matches(byte[] a) {
            if (a.length != address.length) {
                return false;
            }
            BigInteger mod = BigInteger.ONE.shiftLeft(bits);
            return new BigInteger(1, a).mod(mod).equals(new BigInteger(1, address).mod(mod));
        }
    }

    @Test
    void theFirstListedSuffixTheAddressEndsWithDecides() throws Exception {
        Random rnd = new Random(18);
        List<Suffix> suffixes = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            boolean v6 = rnd.nextBoolean();
            Suffix sx = new Suffix(sparseBytes(rnd, v6 ? 16 : 4),
                    v6 ? V6_BITS[rnd.nextInt(V6_BITS.length)] : V4_BITS[rnd.nextInt(V4_BITS.length)]);
            if (i > 0 && rnd.nextInt(8) == 0) {
                sx = suffixes.get(rnd.nextInt(i)); // the same suffix again: it must not displace the first
            }
            suffixes.add(sx);
            byte[] a = sx.address();
            int bits = sx.bits();
            lines.add("IP-SUFFIX," + InetAddress.getByAddress(a).getHostAddress() + "/" + bits + ",PROXY");
        }
        RuleSet s = compile(lines.toArray(String[]::new));
        int matched = 0;
        for (int n = 0; n < 3000; n++) {
            byte[] a = sparseBytes(rnd, rnd.nextBoolean() ? 16 : 4);
            int expected = -1;
            for (int i = 0; i < suffixes.size() && expected < 0; i++) {
                expected = suffixes.get(i).matches(a) ? i : -1;
            }
            matched += expected >= 0 ? 1 : 0;
            String text = InetAddress.getByAddress(a).getHostAddress();
            assertEquals(expected, s.decide(ip(text), NameResolver.NONE).index(), text);
        }
        assertTrue(matched > 300 && matched < 2700, "too few or too many addresses match: " + matched);
    }

    @Test
    void suffixesLongerThanSixtyFourBitsCompareBothHalves() throws Exception {
        RuleSet s = compile("IP-SUFFIX,::1:0:0:0:5/65,PROXY", "IP-SUFFIX,::5/64,GROUP", "IP-SUFFIX,::5/128,PROXY");
        assertEquals(0, s.decide(ip("2001:db8:0:1:0:0:0:5"), NameResolver.NONE).index());
        assertEquals(1, s.decide(ip("2001:db8::5"), NameResolver.NONE).index(), "bit 64 differs: /65 fails");
        assertEquals(-1, s.decide(ip("2001:db8::6"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(ip("192.0.2.5"), NameResolver.NONE).index(), "another family");
        RuleSet whole = compile("IP-SUFFIX,2001:db8::5/128,PROXY");
        assertEquals(0, whole.decide(ip("2001:db8::5"), NameResolver.NONE).index());
        assertEquals(-1, whole.decide(ip("2001:db9::5"), NameResolver.NONE).index(), "all 128 bits count");
    }

    /** Bytes from a small alphabet, so suffixes collide often; IPv6 ones in 2000::/8, never IPv4-mapped. */
    private static byte[] sparseBytes(Random rnd, int n) {
        byte[] alphabet = {0, 1, 2, (byte) 0x80, (byte) 0xff};
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = rnd.nextInt(3) == 0 ? alphabet[rnd.nextInt(alphabet.length)] : 0;
        }
        if (n == 16) {
            b[0] = 0x20;
        }
        return b;
    }
}
