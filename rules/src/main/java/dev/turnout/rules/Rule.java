package dev.turnout.rules;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A parsed rule without its target: the vocabulary that the index, the logical rules and the tests' reference
 * evaluator share. Domains and keywords are already lower case without a trailing dot.
 */
sealed interface Rule {

    /** {@code DOMAIN}: the domain itself only. */
    record Exact(String domain) implements Rule { }

    /** {@code DOMAIN-SUFFIX} and {@code +.x}: the domain and every domain below it. */
    record Suffix(String domain) implements Rule { }

    /**
     * A domain provider entry with a {@code *} label or a leading {@code .}: {@code .x} only below x,
     * {@code *.x} exactly one label below x, and {@code *} anywhere standing for exactly one label.
     */
    record Wildcard(String pattern) implements Rule { }

    /** {@code DOMAIN-KEYWORD}: the domain contains the keyword. */
    record Keyword(String keyword) implements Rule { }

    /** {@code DOMAIN-REGEX}: the pattern is found somewhere in the domain, like Go's MatchString. */
    record Regex(Pattern pattern) implements Rule { }

    /** {@code IP-CIDR}, {@code IP-CIDR6} (either family, as in Clash) and {@code SRC-IP-CIDR}. */
    record Cidr(Prefix prefix, boolean source, boolean noResolve) implements Rule { }

    /** {@code DST-PORT} / {@code SRC-PORT}: inclusive ranges as pairs {@code [from0, to0, from1, to1, ...]}. */
    record Port(int[] ranges, boolean source) implements Rule { }

    /** {@code NETWORK}. */
    record Net(Network network) implements Rule { }

    /** {@code PROCESS-NAME}, compared ignoring case as mihomo does; never matches an unknown process. */
    record Process(String name) implements Rule { }

    /** {@code MATCH} / {@code FINAL}. */
    record Match() implements Rule { }

    /** {@code RULE-SET}: the provider's entries, resolved at compile time. */
    record SetRef(String provider, boolean noResolve) implements Rule { }

    /** {@code AND}, {@code OR}, {@code NOT} (one child). */
    record Logical(Op op, List<Rule> children) implements Rule { }

    enum Op { AND, OR, NOT }

    /**
     * {@code GEOIP}: the country code in upper case ({@code LAN}: private and special ranges, no database). Before
     * compiling, {@link GeoRules} turns LAN (and, in geodata mode, every country) into a set of CIDRs and gives the
     * others the database to look addresses up in.
     */
    record GeoIp(String country, boolean noResolve, CountryLookup lookup) implements Rule { }

    /** {@code GEOSITE}: a list of v2ray's geosite.dat ({@code cn}, {@code google@cn}), expanded before compiling. */
    record GeoSite(String code) implements Rule { }

    /** {@code IP-ASN}: the autonomous system number; {@code lookup} is given before compiling. */
    record Asn(long number, boolean noResolve, AsnLookup lookup) implements Rule { }

    /** A geosite.dat list's regular expressions, as one RE2 alternation: found somewhere in the domain. */
    record SiteRegex(com.google.re2j.Pattern pattern) implements Rule { }

    /**
     * A CIDR as 128 bits: IPv4 addresses sit in the top 32 bits of {@code hi}; host bits are cleared.
     *
     * @param v6 the family
     * @param length the prefix length (at most 32 for IPv4)
     */
    record Prefix(boolean v6, long hi, long lo, int length) {

        /** Whether bit {@code i} (0 = most significant) is set. */
        int bit(int i) {
            return (int) (i < 64 ? (hi >>> (63 - i)) & 1 : (lo >>> (127 - i)) & 1);
        }
    }

    /** {@code IN-PORT}: the local port the flow arrived on, as {@link Port}'s ranges. */
    record InPort(int[] ranges) implements Rule { }

    /** {@code IN-TYPE}: mihomo's inbound types ({@code SOCKS} stands for SOCKS4 and SOCKS5), upper case. */
    record InType(List<String> types) implements Rule { }

    /** {@code IN-NAME}: inbound names, compared exactly as mihomo does. */
    record InName(List<String> names) implements Rule { }

    /** {@code IN-USER}: authenticated user names, compared exactly. */
    record InUser(List<String> users) implements Rule { }

    /** {@code PROCESS-PATH}, compared ignoring case as mihomo does; never matches an unknown process. */
    record ProcessPath(String path) implements Rule { }

    /** {@code UID}: inclusive ranges of user ids as pairs {@code [from0, to0, ...]}. */
    record Uid(long[] ranges) implements Rule { }

    /** {@code DSCP}: inclusive ranges within 0-63 as pairs; never matches a flow whose DSCP is unknown. */
    record Dscp(long[] ranges) implements Rule { }
}
