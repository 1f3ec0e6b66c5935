package dev.turnout.rules;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The compiled form of a rule list: one structure per rule kind, each answering "the lowest rule index that
 * matches" so that the minimum over all of them is the linear first match. Rule kinds that cannot be indexed
 * (regexes, multi-wildcard domain patterns, logical rules and SUB-RULEs) are kept in index order and evaluated
 * only while they could still beat the best index found so far.
 *
 * <p>IP rules are split at {@link #resolveAt}, the first rule that makes Clash resolve a domain-only flow: rules
 * before it can only match a flow's own destination; rules from it on also match the resolved address.
 */
final class Index {

    static final int NONE = Integer.MAX_VALUE;

    private DomainTable domains;
    private String[] wildcards = new String[0];
    private int[] wildcardIdx = new int[0];
    private KeywordMatcher keywords;
    private GlobTable globs;
    private SuffixTable preSuffixes;
    private SuffixTable postSuffixes;
    private SuffixTable srcSuffixes;
    private DomainRegex[] regexes = new DomainRegex[0];
    private int[] regexIdx = new int[0];
    private CidrTrie preV4;
    private CidrTrie preV6;
    private CidrTrie postV4;
    private CidrTrie postV6;
    private CidrTrie srcV4;
    private CidrTrie srcV6;
    private PortTable dstPorts;
    private PortTable srcPorts;
    private Map<String, Integer> processes;
    private int tcp = NONE;
    private int udp = NONE;
    private int match = NONE;
    private int named = NONE;
    /** The first DOMAIN-REGEX that matches the empty string: mihomo runs each against "" for a flow without a name. */
    private int regexOnEmpty = NONE;
    private Cond[] logicals = new Cond[0];
    private int[] logicalIdx = new int[0];
    // GEOIP (mmdb) and IP-ASN: one database lookup per address, then a hash probe per side of resolveAt.
    private CountryLookup countryLookup;
    private Map<String, Integer> preCountries;
    private Map<String, Integer> postCountries;
    private int lowestCountry = NONE;
    private AsnLookup asnLookup;
    private LongIntMap preAsns;
    private LongIntMap postAsns;
    private int lowestAsn = NONE;
    // SRC-GEOIP and SRC-IP-ASN: a source address is never resolved, so there is no before and after resolveAt.
    private CountryLookup srcCountryLookup;
    private Map<String, Integer> srcCountries;
    private int lowestSrcCountry = NONE;
    private AsnLookup srcAsnLookup;
    private LongIntMap srcAsns;
    private int lowestSrcAsn = NONE;
    private com.google.re2j.Pattern[] siteRegexes = new com.google.re2j.Pattern[0];
    private int[] siteRegexIdx = new int[0];
    private final int resolveAt;
    private SenderIndex sender;
    private int processAt = NONE;

    private Index(int resolveAt) {
        this.resolveAt = resolveAt;
    }

    int resolveAt() {
        return resolveAt;
    }

    /** The first rule that looks at the owning process (PROCESS-NAME, PROCESS-PATH, UID, also nested), or NONE. */
    int processAt() {
        return processAt;
    }

    // ---------------------------------------------------------------- building

    /**
     * Builds the index; {@code rules.get(i)} gets index i. SUB-RULEs name lists of {@code subs}, already built
     * ({@link SubRules#NONE} when there are none).
     */
    static Index build(List<Rule> rules, Map<String, ProviderParser.Parsed> providers, SubRules subs) {
        int resolveAt = NONE;
        for (int i = 0; i < rules.size(); i++) {
            if (shouldResolve(rules.get(i), providers, subs)) {
                resolveAt = i;
                break;
            }
        }
        Builder b = new Builder(new Index(resolveAt), providers, subs);
        b.expectDomainsOf(rules);
        for (int i = 0; i < rules.size(); i++) {
            b.add(rules.get(i), i);
            if (b.x.processAt == NONE && SenderIndex.needsProcess(rules.get(i), providers)) {
                b.x.processAt = i;
            }
        }
        return b.finish();
    }

    /**
     * Whether reaching this rule makes Clash resolve a flow that has a domain but no address; a SUB-RULE does when
     * its condition or a rule of its list would (mihomo's Logic.ShouldResolveIP).
     */
    static boolean shouldResolve(Rule rule, Map<String, ProviderParser.Parsed> providers, SubRules subs) {
        if (rule instanceof Rule.Cidr c) {
            return !c.source() && !c.noResolve();
        }
        if (rule instanceof Rule.GeoIp g) {
            return !g.noResolve();
        }
        if (rule instanceof Rule.Asn a) {
            return !a.noResolve();
        }
        if (rule instanceof Rule.IpSuffix s) {
            return !s.source() && !s.noResolve();
        }
        if (rule instanceof Rule.SubRule s) {
            return shouldResolve(s.condition(), providers, subs)
                    || subs.rules(s.name()).stream().anyMatch(r -> shouldResolve(r, providers, subs));
        }
        if (rule instanceof Rule.SetRef s) {
            ProviderParser.Parsed p = providers.get(s.provider());
            if (s.noResolve() || p == null) {
                return false;
            }
            return switch (p.behavior()) {
                case IPCIDR -> true;
                case DOMAIN -> false;
                case CLASSICAL -> p.entries().stream().anyMatch(e -> shouldResolve(e, providers, subs));
            };
        }
        if (rule instanceof Rule.Logical l) {
            return l.children().stream().anyMatch(c -> shouldResolve(c, providers, subs));
        }
        return false;
    }

    private static final class Builder {
        private final Index x;
        private final Map<String, ProviderParser.Parsed> providers;
        private final SubRules subs;
        private final List<String> wildcards = new ArrayList<>();
        private final List<Integer> wildcardIdx = new ArrayList<>();
        private final List<DomainRegex> regexes = new ArrayList<>();
        private final List<Integer> regexIdx = new ArrayList<>();
        private final List<Cond> logicals = new ArrayList<>();
        private final List<Integer> logicalIdx = new ArrayList<>();
        private final List<com.google.re2j.Pattern> siteRegexes = new ArrayList<>();
        private final List<Integer> siteRegexIdx = new ArrayList<>();

        /** How many domain keys to make room for when the first one comes. */
        private int expectedDomains = 8;
        private int expectedChars = 8 * DomainTable.CHARS_PER_KEY;

        Builder(Index x, Map<String, ProviderParser.Parsed> providers, SubRules subs) {
            this.x = x;
            this.providers = providers;
            this.subs = subs;
        }

        /**
         * Sizes the domain table once for every entry {@code rules} could put in it (each rule, each entry of a
         * provider that is not CIDRs), so that the big lists are not rehashed as they come in.
         */
        void expectDomainsOf(List<Rule> rules) {
            long n = rules.size();
            long chars = n * DomainTable.CHARS_PER_KEY;
            for (Rule rule : rules) {
                if (rule instanceof Rule.SetRef r) {
                    ProviderParser.Parsed p = providers.get(r.provider());
                    if (p.entries() instanceof DomainEntries d) {
                        n += d.size();
                        chars += d.keyChars() + (long) (d.size() - d.keys()) * DomainTable.CHARS_PER_KEY;
                    } else if (p.behavior() != Behavior.IPCIDR) {
                        n += p.entries().size();
                        chars += (long) p.entries().size() * DomainTable.CHARS_PER_KEY;
                    }
                }
            }
            expectedDomains = (int) Math.min(n, 1 << 26);
            expectedChars = (int) Math.min(chars, 1 << 30);
        }

        void add(Rule rule, int i) {
            if (rule instanceof Rule.Exact r) {
                domains().add(r.domain(), DomainTable.EXACT, i);
            } else if (rule instanceof Rule.Suffix r) {
                domains().add(r.domain(), DomainTable.SUFFIX, i);
            } else if (rule instanceof Rule.Wildcard r) {
                addWildcard(r.pattern(), i);
            } else if (rule instanceof Rule.Keyword r) {
                if (x.keywords == null) {
                    x.keywords = new KeywordMatcher();
                }
                x.keywords.add(r.keyword(), i);
            } else if (rule instanceof Rule.Regex r) {
                regexes.add(r.pattern());
                regexIdx.add(i);
            } else if (rule instanceof Rule.Glob r) {
                x.globs = x.globs == null ? new GlobTable() : x.globs;
                x.globs.add(r.pattern(), i);
            } else if (rule instanceof Rule.Cidr r) {
                addCidr(r, i);
            } else if (rule instanceof Rule.IpSuffix r) {
                addSuffix(r, i);
            } else if (rule instanceof Rule.Port r) {
                if (r.source()) {
                    x.srcPorts = x.srcPorts == null ? new PortTable() : x.srcPorts;
                    x.srcPorts.add(r.ranges(), i);
                } else {
                    x.dstPorts = x.dstPorts == null ? new PortTable() : x.dstPorts;
                    x.dstPorts.add(r.ranges(), i);
                }
            } else if (rule instanceof Rule.Net r) {
                if (r.network() == Network.TCP) {
                    x.tcp = Math.min(x.tcp, i);
                } else {
                    x.udp = Math.min(x.udp, i);
                }
            } else if (rule instanceof Rule.Process r) {
                x.processes = x.processes == null ? new HashMap<>() : x.processes;
                x.processes.merge(r.name(), i, Math::min);
            } else if (rule instanceof Rule.Match) {
                x.match = Math.min(x.match, i);
            } else if (rule instanceof Rule.Named) {
                x.named = Math.min(x.named, i);
            } else if (rule instanceof Rule.SetRef r && r.source()) {
                // Tested on a flow with source and destination swapped: an index of its own, in list order.
                Builder set = new Builder(new Index(NONE), providers, subs);
                set.add(new Rule.SetRef(r.provider(), true), 0);
                logicals.add(new Cond.Swapped(set.finish()));
                logicalIdx.add(i);
            } else if (rule instanceof Rule.SetRef r) {
                List<Rule> entries = providers.get(r.provider()).entries();
                if (entries instanceof DomainEntries d) {
                    addDomains(d, i);
                } else {
                    for (Rule entry : entries) {
                        add(entry, i);
                    }
                }
            } else if (rule instanceof Rule.Logical r) {
                logicals.add(cond(r));
                logicalIdx.add(i);
            } else if (SenderIndex.handles(rule)) {
                x.sender = x.sender == null ? new SenderIndex() : x.sender;
                x.sender.add(rule, i);
            } else if (rule instanceof Rule.GeoIp r) {
                addCountry(r, i);
            } else if (rule instanceof Rule.Asn r) {
                addAsn(r, i);
            } else if (rule instanceof Rule.SrcGeoIp r) {
                addSourceCountry(r, i);
            } else if (rule instanceof Rule.SrcAsn r) {
                addSourceAsn(r, i);
            } else if (rule instanceof Rule.Disabled) {
                return; // in no table: the rules after it are found as if it were not there
            } else if (rule instanceof Rule.SiteRegex r) {
                siteRegexes.add(r.pattern());
                siteRegexIdx.add(i);
            } else if (rule instanceof Rule.SubRule r) {
                logicals.add(new Cond.Sub(cond(r.condition()), subs.parts(r.name())));
                logicalIdx.add(i);
            } else {
                throw new IllegalStateException("unknown rule " + rule);
            }
        }

        private Cond cond(Rule rule) {
            if (rule instanceof Rule.Logical l) {
                Cond[] children = l.children().stream().map(this::cond).toArray(Cond[]::new);
                return switch (l.op()) {
                    case AND -> new Cond.And(children);
                    case OR -> new Cond.Or(children);
                    case NOT -> new Cond.Not(children[0]);
                };
            }
            // A leaf is a one-rule index; its IP rules see whatever address the enclosing rule passes in.
            Builder leaf = new Builder(new Index(NONE), providers, subs);
            leaf.add(rule, 0);
            return new Cond.Leaf(leaf.finish());
        }

        /** A domain provider's table keys go in as they are, with the hash the reader took; the rest as rules. */
        private void addDomains(DomainEntries d, int i) {
            // Hoisted: this loop runs interpreted for its first 60,000 or so entries on a cold start.
            DomainTable table = d.keys() > 0 ? domains() : null;
            byte[] bytes = d.keyBytes();
            int n = d.size();
            for (int k = 0; k < n; k++) {
                Rule parsed = d.parsed(k);
                if (parsed != null) {
                    add(parsed, i);
                } else {
                    table.add(bytes, d.keyFrom(k), d.keyLength(k), d.hash(k), d.kind(k), i);
                }
            }
        }

        private void addWildcard(String pattern, int i) {
            String body;
            int kind;
            if (pattern.startsWith("*.")) {
                body = pattern.substring(2);
                kind = DomainTable.ONE_BELOW;
            } else if (pattern.startsWith(".")) {
                body = pattern.substring(1);
                kind = DomainTable.BELOW;
            } else {
                body = null;
                kind = -1;
            }
            if (body != null && body.indexOf('*') < 0) {
                domains().add(body, kind, i);
            } else {
                wildcards.add(pattern);
                wildcardIdx.add(i);
            }
        }

        private void addCidr(Rule.Cidr r, int i) {
            Rule.Prefix p = r.prefix();
            if (r.source()) {
                if (p.v6()) {
                    x.srcV6 = x.srcV6 == null ? new CidrTrie() : x.srcV6;
                    x.srcV6.add(p, i);
                } else {
                    x.srcV4 = x.srcV4 == null ? new CidrTrie() : x.srcV4;
                    x.srcV4.add(p, i);
                }
            } else if (i < x.resolveAt) {
                if (p.v6()) {
                    x.preV6 = x.preV6 == null ? new CidrTrie() : x.preV6;
                    x.preV6.add(p, i);
                } else {
                    x.preV4 = x.preV4 == null ? new CidrTrie() : x.preV4;
                    x.preV4.add(p, i);
                }
            } else if (p.v6()) {
                x.postV6 = x.postV6 == null ? new CidrTrie() : x.postV6;
                x.postV6.add(p, i);
            } else {
                x.postV4 = x.postV4 == null ? new CidrTrie() : x.postV4;
                x.postV4.add(p, i);
            }
        }

        /** An mmdb GEOIP rule: its country code, on the side of resolveAt its index falls. */
        private void addCountry(Rule.GeoIp r, int i) {
            if (r.lookup() == null) {
                throw new IllegalStateException("GEOIP," + r.country() + " was not given its database");
            }
            x.countryLookup = r.lookup();
            Map<String, Integer> side;
            if (i < x.resolveAt) {
                side = x.preCountries = x.preCountries == null ? new HashMap<>() : x.preCountries;
            } else {
                side = x.postCountries = x.postCountries == null ? new HashMap<>() : x.postCountries;
            }
            side.merge(r.country(), i, Math::min);
            x.lowestCountry = Math.min(x.lowestCountry, i);
        }

        private void addAsn(Rule.Asn r, int i) {
            if (r.lookup() == null) {
                throw new IllegalStateException("IP-ASN," + r.number() + " was not given its database");
            }
            x.asnLookup = r.lookup();
            LongIntMap side;
            if (i < x.resolveAt) {
                side = x.preAsns = x.preAsns == null ? new LongIntMap() : x.preAsns;
            } else {
                side = x.postAsns = x.postAsns == null ? new LongIntMap() : x.postAsns;
            }
            keepLowest(side, r.number(), i);
            x.lowestAsn = Math.min(x.lowestAsn, i);
        }

        private void addSourceCountry(Rule.SrcGeoIp r, int i) {
            if (r.lookup() == null) {
                throw new IllegalStateException("SRC-GEOIP," + r.country() + " was not given its database");
            }
            x.srcCountryLookup = r.lookup();
            x.srcCountries = x.srcCountries == null ? new HashMap<>() : x.srcCountries;
            x.srcCountries.merge(r.country(), i, Math::min);
            x.lowestSrcCountry = Math.min(x.lowestSrcCountry, i);
        }

        private void addSourceAsn(Rule.SrcAsn r, int i) {
            if (r.lookup() == null) {
                throw new IllegalStateException("SRC-IP-ASN," + r.number() + " was not given its database");
            }
            x.srcAsnLookup = r.lookup();
            x.srcAsns = x.srcAsns == null ? new LongIntMap() : x.srcAsns;
            keepLowest(x.srcAsns, r.number(), i);
            x.lowestSrcAsn = Math.min(x.lowestSrcAsn, i);
        }

        /** The first rule naming AS {@code number} decides for it: {@code i} unless an earlier one is there. */
        private static void keepLowest(LongIntMap byNumber, long number, int i) {
            int old = byNumber.get(number);
            if (old < 0 || i < old) {
                byNumber.put(number, i);
            }
        }

        /** As {@link #addCidr}: destination suffixes split at {@link #resolveAt}, source ones apart. */
        private void addSuffix(Rule.IpSuffix r, int i) {
            if (r.source()) {
                x.srcSuffixes = x.srcSuffixes == null ? new SuffixTable() : x.srcSuffixes;
                x.srcSuffixes.add(r, i);
            } else if (i < x.resolveAt) {
                x.preSuffixes = x.preSuffixes == null ? new SuffixTable() : x.preSuffixes;
                x.preSuffixes.add(r, i);
            } else {
                x.postSuffixes = x.postSuffixes == null ? new SuffixTable() : x.postSuffixes;
                x.postSuffixes.add(r, i);
            }
        }

        private DomainTable domains() {
            if (x.domains == null) {
                x.domains = new DomainTable(expectedDomains, expectedChars);
            }
            return x.domains;
        }

        Index finish() {
            x.wildcards = wildcards.toArray(String[]::new);
            x.wildcardIdx = wildcardIdx.stream().mapToInt(Integer::intValue).toArray();
            x.regexes = regexes.toArray(DomainRegex[]::new);
            x.regexIdx = regexIdx.stream().mapToInt(Integer::intValue).toArray();
            for (int k = 0; k < x.regexes.length && x.regexOnEmpty == NONE; k++) {
                if (x.regexes[k].find("")) {
                    x.regexOnEmpty = x.regexIdx[k];
                }
            }
            x.logicals = logicals.toArray(Cond[]::new);
            x.logicalIdx = logicalIdx.stream().mapToInt(Integer::intValue).toArray();
            x.siteRegexes = siteRegexes.toArray(com.google.re2j.Pattern[]::new);
            x.siteRegexIdx = siteRegexIdx.stream().mapToInt(Integer::intValue).toArray();
            if (x.domains != null) {
                x.domains.trim();
            }
            if (x.keywords != null) {
                x.keywords.build();
            }
            if (x.sender != null) {
                x.sender.build();
            }
            if (x.globs != null) {
                x.globs.build();
            }
            for (SuffixTable t : new SuffixTable[] {x.preSuffixes, x.postSuffixes, x.srcSuffixes}) {
                if (t != null) {
                    t.build();
                }
            }
            for (PortTable t : new PortTable[] {x.dstPorts, x.srcPorts}) {
                if (t != null) {
                    t.build();
                }
            }
            for (CidrTrie t : new CidrTrie[] {x.preV4, x.preV6, x.postV4, x.postV6, x.srcV4, x.srcV6}) {
                if (t != null) {
                    t.trim();
                }
            }
            return x;
        }
    }

    // ---------------------------------------------------------------- matching

    /** The lowest index among rules that do not look at the destination address. */
    int withoutDestination(Query q, String domain) {
        int best = match;
        Network network = q.network();
        if (network == Network.TCP) {
            best = Math.min(best, tcp);
        } else if (network == Network.UDP) {
            best = Math.min(best, udp);
        }
        if (dstPorts != null && q.destinationPort() > 0 && q.destinationPort() <= 65535) {
            best = Math.min(best, dstPorts.lookup(q.destinationPort()));
        }
        if (srcPorts != null && q.sourcePort() > 0 && q.sourcePort() <= 65535) {
            best = Math.min(best, srcPorts.lookup(q.sourcePort()));
        }
        if (processes != null && q.process() != null) {
            Integer p = processes.get(lower(q.process()));
            if (p != null) {
                best = Math.min(best, p);
            }
        }
        if (sender != null) {
            best = Math.min(best, sender.lookup(q));
        }
        if ((srcV4 != null || srcV6 != null) && q.source() != null) {
            best = Math.min(best, lookup(srcV4, srcV6, q.source()));
        }
        if (srcSuffixes != null && q.source() != null) {
            best = Math.min(best, srcSuffixes.lookup(q.source()));
        }
        if (srcCountryLookup != null && lowestSrcCountry < best && q.source() != null) {
            String country = srcCountryLookup.country(q.source());
            best = country == null ? best : Math.min(best, first(srcCountries, country));
        }
        if (srcAsnLookup != null && lowestSrcAsn < best && q.source() != null) {
            long asn = srcAsnLookup.asn(q.source());
            best = asn <= 0 ? best : Math.min(best, first(srcAsns, asn));
        }
        if (domain != null && !domain.isEmpty()) {
            best = Math.min(best, named);
        }
        if (domain == null) {
            // mihomo's DomainRegex.Match runs the pattern against RuleHost(), "" for a flow without a name: ^$ or .*
            // match every such flow.
            best = Math.min(best, regexOnEmpty);
        }
        if (domain != null) {
            if (domains != null) {
                best = Math.min(best, domains.lookup(domain));
            }
            if (keywords != null && keywords.lowest() < best) {
                best = Math.min(best, keywords.lookup(domain));
            }
            if (globs != null) {
                best = globs.lookup(domain, best);
            }
            for (int k = 0; k < wildcardIdx.length && wildcardIdx[k] < best; k++) {
                if (DomainPatterns.matches(wildcards[k], domain)) {
                    best = wildcardIdx[k];
                    break;
                }
            }
            for (int k = 0; k < regexIdx.length && regexIdx[k] < best; k++) {
                if (regexes[k].find(domain)) {
                    best = regexIdx[k];
                    break;
                }
            }
            for (int k = 0; k < siteRegexIdx.length && siteRegexIdx[k] < best; k++) {
                if (siteRegexes[k].matcher(domain).find()) {
                    best = siteRegexIdx[k];
                    break;
                }
            }
        }
        return best;
    }

    /** Lowest index of an IP rule (either side of {@link #resolveAt}) containing the flow's own destination. */
    int destination(InetAddress ip) {
        int best = Math.min(lookup(preV4, preV6, ip), lookup(postV4, postV6, ip));
        if (preSuffixes != null) {
            best = Math.min(best, preSuffixes.lookup(ip));
        }
        if (postSuffixes != null) {
            best = Math.min(best, postSuffixes.lookup(ip));
        }
        return geo(ip, best, true);
    }

    /** Lowest index of an IP rule at or after {@link #resolveAt} containing a resolved address. */
    int resolved(InetAddress ip) {
        int best = lookup(postV4, postV6, ip);
        if (postSuffixes != null) {
            best = Math.min(best, postSuffixes.lookup(ip));
        }
        return geo(ip, best, false);
    }

    /**
     * {@code best} lowered by the GEOIP and IP-ASN rules the address's country and AS match (with {@code pre}, also
     * those before resolveAt). The database is asked only when such a rule could still win.
     */
    private int geo(InetAddress ip, int best, boolean pre) {
        if (countryLookup != null && lowestCountry < best) {
            String country = countryLookup.country(ip);
            if (country != null) {
                best = Math.min(best, first(postCountries, country));
                if (pre) {
                    best = Math.min(best, first(preCountries, country));
                }
            }
        }
        if (asnLookup != null && lowestAsn < best) {
            long asn = asnLookup.asn(ip);
            if (asn > 0) {
                best = Math.min(best, first(postAsns, asn));
                if (pre) {
                    best = Math.min(best, first(preAsns, asn));
                }
            }
        }
        return best;
    }

    private static int first(Map<String, Integer> countries, String country) {
        Integer i = countries == null ? null : countries.get(country);
        return i == null ? NONE : i;
    }

    private static int first(LongIntMap asns, long asn) {
        int i = asns == null ? -1 : asns.get(asn);
        return i < 0 ? NONE : i;
    }

    /** The index of the first logical rule in {@code [from, limit)} that holds, or NONE. */
    int logicals(Query q, String domain, InetAddress ip, int from, int limit) {
        for (int k = 0; k < logicalIdx.length && logicalIdx[k] < limit; k++) {
            if (logicalIdx[k] >= from && logicals[k].test(q, domain, ip)) {
                return logicalIdx[k];
            }
        }
        return NONE;
    }

    boolean hasLogicals() {
        return logicalIdx.length > 0;
    }

    /** First match when the address IP rules see is fixed (a logical rule's leaf). */
    int firstMatch(Query q, String domain, InetAddress ip) {
        int best = withoutDestination(q, domain);
        if (ip != null) {
            best = Math.min(best, destination(ip));
        }
        return Math.min(best, logicals(q, domain, ip, 0, best));
    }

    private static int lookup(CidrTrie v4, CidrTrie v6, InetAddress ip) {
        if (ip instanceof Inet4Address) {
            // Inet4Address.hashCode() is the address itself; it saves copying the bytes on every decision.
            return v4 == null ? NONE : v4.lookup((ip.hashCode() & 0xffffffffL) << 32, 0, 32);
        }
        if (ip instanceof Inet6Address) {
            byte[] b = ip.getAddress();
            long hi = Addresses.hi(b);
            long lo = Addresses.lo(b);
            if (Addresses.isMappedV4(hi, lo)) {
                return v4 == null ? NONE : v4.lookup((lo & 0xffffffffL) << 32, 0, 32);
            }
            return v6 == null ? NONE : v6.lookup(hi, lo, 128);
        }
        return NONE;
    }

    private static String lower(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z' || c > 127) {
                return s.toLowerCase(Locale.ROOT);
            }
        }
        return s;
    }
}
