package dev.turnout.rules;

import com.google.re2j.Pattern;
import java.util.List;

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

    /**
     * {@code DOMAIN-REGEX}: the pattern is found somewhere in the domain, ignoring case, like mihomo's regexp2
     * MatchString.
     */
    record Regex(DomainRegex pattern) implements Rule { }

    /**
     * {@code DOMAIN-WILDCARD} (mihomo): the whole domain against a glob where {@code *} is any run of characters,
     * dots included, and {@code ?} exactly one character. Lower case.
     */
    record Glob(String pattern) implements Rule { }

    /**
     * {@code IP-SUFFIX} / {@code SRC-IP-SUFFIX} (mihomo): the last {@code bits} bits of an address of the same
     * family equal those of {@code value}. The value sits in the low bits of {@code lo} (IPv4: 32 bits) or across
     * {@code hi}/{@code lo} (IPv6); only the last {@code bits} bits are kept.
     */
    record IpSuffix(boolean v6, long hi, long lo, int bits, boolean source, boolean noResolve) implements Rule { }

    /**
     * {@code SUB-RULE,(CONDITION),NAME}: when the condition holds, the {@code sub-rules:} list NAME is walked and its
     * first match decides; when nothing in it matches, matching goes on after this rule (mihomo's tunnel).
     */
    record SubRule(Rule condition, String name) implements Rule { }

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

    /**
     * {@code RULE-SET}: the provider's entries, resolved at compile time. With {@code source} (mihomo's {@code src}
     * option) they are tested with the flow's source and destination addresses and ports swapped, its name kept, as
     * mihomo's RuleSet.Match does with SwapSrcDst.
     */
    record SetRef(String provider, boolean noResolve, boolean source) implements Rule {

        SetRef(String provider, boolean noResolve) {
            this(provider, noResolve, false);
        }
    }

    /** {@code AND}, {@code OR}, {@code NOT} (one child). */
    record Logical(Op op, List<Rule> children) implements Rule { }

    enum Op { AND, OR, NOT }

    /**
     * {@code GEOIP}: the country code in upper case ({@code LAN}: private and special ranges, no database). Before
     * compiling, {@link GeoRules} turns LAN (and, in geodata mode, every country) into a set of CIDRs and gives the
     * others the database to look addresses up in.
     */
    record GeoIp(String country, boolean noResolve, CountryLookup lookup) implements Rule { }

    /**
     * The flow has a name (mihomo's {@code RuleHost()} is not empty). Only inside a negated GEOSITE: mihomo's
     * geosite MatchDomain returns false for a name-less flow before its (negated) matcher runs.
     */
    record Named() implements Rule { }

    /** {@code GEOSITE}: a list of v2ray's geosite.dat ({@code cn}, {@code google@cn}), expanded before compiling. */
    record GeoSite(String code) implements Rule { }

    /** {@code IP-ASN}: the autonomous system number; {@code lookup} is given before compiling. */
    record Asn(long number, boolean noResolve, AsnLookup lookup) implements Rule { }

    /**
     * {@code SRC-GEOIP}: the country of the flow's source address, as {@link GeoIp} (LAN, and every country in
     * geodata mode, become sets of source CIDRs before compiling).
     */
    record SrcGeoIp(String country, CountryLookup lookup) implements Rule { }

    /** {@code SRC-IP-ASN}: the autonomous system of the flow's source address. */
    record SrcAsn(long number, AsnLookup lookup) implements Rule { }

    /**
     * A rule that keeps its place in the list and matches nothing: switched off (mihomo's {@code PATCH
     * /rules/disable}), or one whose target is mihomo's {@code PASS} (matching goes on to the next rule).
     *
     * @param why what {@code turnout match --explain} says of it
     */
    record Disabled(Rule rule, String why) implements Rule {

        static final String SWITCHED_OFF = "switched off (PATCH /rules/disable)";
        static final String PASSED = "its target is PASS: matching goes on to the next rule, as in mihomo";
        static final String PASSED_IN_LIST = "its target is PASS-RULE: matching goes on with this list's next rule,"
                + " as in mihomo";
    }

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

    /**
     * {@code PROCESS-NAME-REGEX} ({@code path} false) and {@code PROCESS-PATH-REGEX}: the pattern is found somewhere
     * in the process's name or executable, ignoring case; never matches an unknown process. mihomo compiles these
     * with regexp2 (.NET syntax, backtracking), which Java's regex follows more closely than RE2 does.
     */
    record ProcessRegex(java.util.regex.Pattern pattern, boolean path) implements Rule { }

    /** {@code UID}: inclusive ranges of user ids as pairs {@code [from0, to0, ...]}. */
    record Uid(long[] ranges) implements Rule { }

    /** {@code DSCP}: inclusive ranges within 0-63 as pairs; never matches a flow whose DSCP is unknown. */
    record Dscp(long[] ranges) implements Rule { }
}
