package dev.turnout.rules;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The obviously-correct evaluator the index is checked against: walks the rules in order, resolves the domain
 * when Clash would (on reaching the first IP rule without no-resolve), and matches each rule with plain string
 * and bit comparisons. It shares only the parser with the production code.
 */
final class LinearReference {

    private final List<Rule> rules = new ArrayList<>();
    private final List<String> targets = new ArrayList<>();
    private final Map<String, ProviderParser.Parsed> providers = new HashMap<>();
    private final Map<String, List<Rule>> subRules = new HashMap<>();
    private final Map<String, List<String>> subTargets = new HashMap<>();
    private int resolverCalls;
    private final GeoData geo;

    LinearReference(List<RuleLine> lines, Map<String, ProviderSource> sources) throws RuleException {
        this(lines, sources, Map.of(), GeoData.NONE);
    }

    LinearReference(List<RuleLine> lines, Map<String, ProviderSource> sources, GeoData geo) throws RuleException {
        this(lines, sources, Map.of(), geo);
    }

    /** With sub-rules and the databases GEOIP, GEOSITE and IP-ASN rules read, asked afresh for every rule. */
    LinearReference(List<RuleLine> lines, Map<String, ProviderSource> sources, Map<String, List<RuleLine>> subs,
                    GeoData geo) throws RuleException {
        this.geo = geo;
        for (var e : sources.entrySet()) {
            providers.put(e.getKey(), ProviderParser.parse(e.getValue(), w -> { }));
        }
        for (RuleLine line : lines) {
            RuleParser.Parsed p = RuleParser.parseLine(line, w -> { });
            // mihomo goes on past a rule of rules: whose target is PASS; RuleSet compiles it as matching nothing.
            rules.add(p.target().equals("PASS") ? new Rule.Disabled(p.rule(), Rule.Disabled.PASSED) : p.rule());
            targets.add(p.target());
        }
        for (var e : subs.entrySet()) {
            List<Rule> list = new ArrayList<>();
            List<String> listTargets = new ArrayList<>();
            for (RuleLine line : e.getValue()) {
                RuleParser.Parsed p = RuleParser.parseLine(line, w -> { });
                list.add(p.rule());
                listTargets.add(p.target());
            }
            subRules.put(e.getKey(), list);
            subTargets.put(e.getKey(), listTargets);
        }
    }

    /**
     * The rule that decides inside a SUB-RULE's list, following nested SUB-RULEs (mihomo's matchSubRules), as
     * "NAME#POSITION", or null when nothing in the list matches.
     */
    String subDecision(String name, Query q, String domain, InetAddress ip,
                       java.util.function.Predicate<String> withinList) {
        this.withinList = withinList;
        return subDecision(name, q, domain, ip);
    }

    private String subDecision(String name, Query q, String domain, InetAddress ip) {
        List<Rule> list = subRules.get(name);
        for (int j = 0; j < list.size(); j++) {
            Rule r = list.get(j);
            if (r instanceof Rule.SubRule s) {
                if (matches(s.condition(), q, domain, ip)) {
                    String inner = subDecision(s.name(), q, domain, ip);
                    if (inner != null) {
                        return inner;
                    }
                }
            } else if (matches(r, q, domain, ip) && !withinList.test(subTargets.get(name).get(j))) {
                // mihomo's PASS-RULE: a rule leading to it lets the flow go on with this list's next rule.
                return name + "#" + j;
            }
        }
        return null;
    }

    /** Switches the rules at {@code indexes} off: they match nothing and make nothing resolve. */
    void disable(java.util.Set<Integer> indexes) {
        for (int i : indexes) {
            rules.set(i, new Rule.Disabled(rules.get(i), Rule.Disabled.SWITCHED_OFF));
        }
    }

    /** The address the rule at {@code index} was matched against in the last {@link #decide}. */
    InetAddress lastAddress() {
        return lastAddress;
    }

    private InetAddress lastAddress;

    int resolverCalls() {
        return resolverCalls;
    }

    /** The index of the first matching rule, or -1. */
    int decide(Query q, NameResolver resolver) {
        return decide(q, resolver, target -> false);
    }

    /**
     * The index of the first matching rule whose target does not pass (mihomo's tunnel: PASS, or whatever
     * {@code passes} says leads to PASS now; for a SUB-RULE, the target of the rule its list decides by), or -1.
     */
    int decide(Query q, NameResolver resolver, java.util.function.Predicate<String> passes) {
        return decide(q, resolver, passes, target -> false);
    }

    /** As {@link #decide(Query, NameResolver, java.util.function.Predicate)}, with PASS-RULE ({@code withinList}). */
    int decide(Query q, NameResolver resolver, java.util.function.Predicate<String> passes,
               java.util.function.Predicate<String> withinList) {
        this.withinList = withinList;
        return walk(q, resolver, passes);
    }

    /** Which targets lead to PASS-RULE in the last decision (and {@link #subDecision} after it). */
    private java.util.function.Predicate<String> withinList = target -> false;

    private int walk(Query q, NameResolver resolver, java.util.function.Predicate<String> passes) {
        String domain = q.domain();
        if (domain != null) {
            domain = domain.toLowerCase(Locale.ROOT);
            if (domain.endsWith(".")) {
                domain = domain.substring(0, domain.length() - 1);
            }
        }
        InetAddress ip = q.destination();
        boolean resolved = false;
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            if (ip == null && !resolved && domain != null && resolves(rule)) {
                resolved = true;
                resolverCalls++;
                List<InetAddress> got = resolver.resolve(domain);
                ip = got.isEmpty() ? null : got.get(0);
            }
            if (matches(rule, q, domain, ip)) {
                String target = targets.get(i);
                if (rule instanceof Rule.SubRule sub) {
                    String[] at = subDecision(sub.name(), q, domain, ip).split("#");
                    target = subTargets.get(at[0]).get(Integer.parseInt(at[1]));
                }
                if (target.equals("PASS") || passes.test(target)) {
                    continue;
                }
                lastAddress = ip;
                return i;
            }
        }
        return -1;
    }

    private boolean resolves(Rule rule) {
        if (rule instanceof Rule.Cidr c) {
            return !c.source() && !c.noResolve();
        }
        if (rule instanceof Rule.GeoIp g) {
            return !g.noResolve();
        }
        if (rule instanceof Rule.Asn a) {
            return !a.noResolve();
        }
        if (rule instanceof Rule.SetRef s) {
            ProviderParser.Parsed p = providers.get(s.provider());
            if (s.noResolve()) {
                return false;
            }
            if (p.behavior() == Behavior.IPCIDR) {
                return true;
            }
            return p.behavior() == Behavior.CLASSICAL && p.entries().stream().anyMatch(this::resolves);
        }
        if (rule instanceof Rule.Logical l) {
            return l.children().stream().anyMatch(this::resolves);
        }
        if (rule instanceof Rule.IpSuffix s) {
            return !s.source() && !s.noResolve();
        }
        if (rule instanceof Rule.SubRule s) {
            return resolves(s.condition()) || subRules.get(s.name()).stream().anyMatch(this::resolves);
        }
        return false;
    }

    private boolean matches(Rule rule, Query q, String domain, InetAddress ip) {
        if (rule instanceof Rule.Disabled) {
            return false;
        }
        if (rule instanceof Rule.Exact r) {
            return domain != null && domain.equals(r.domain());
        }
        if (rule instanceof Rule.Suffix r) {
            return domain != null && (domain.equals(r.domain()) || domain.endsWith("." + r.domain()));
        }
        if (rule instanceof Rule.Wildcard r) {
            return domain != null && wildcardRegex(r.pattern()).matcher(domain).matches();
        }
        if (rule instanceof Rule.Keyword r) {
            return domain != null && domain.contains(r.keyword());
        }
        if (rule instanceof Rule.Regex r) {
            return r.pattern().find(domain == null ? "" : domain);
        }
        if (rule instanceof Rule.Cidr r) {
            return contains(r.prefix(), r.source() ? q.source() : ip);
        }
        if (rule instanceof Rule.Glob r) {
            return domain != null && globRegex(r.pattern()).matcher(domain).matches();
        }
        if (rule instanceof Rule.IpSuffix r) {
            return endsWith(r, r.source() ? q.source() : ip);
        }
        if (rule instanceof Rule.SubRule r) {
            return matches(r.condition(), q, domain, ip) && subDecision(r.name(), q, domain, ip) != null;
        }
        if (rule instanceof Rule.Port r) {
            int port = r.source() ? q.sourcePort() : q.destinationPort();
            for (int i = 0; i < r.ranges().length; i += 2) {
                if (port > 0 && port >= r.ranges()[i] && port <= r.ranges()[i + 1]) {
                    return true;
                }
            }
            return false;
        }
        if (rule instanceof Rule.Net r) {
            return q.network() == r.network();
        }
        if (rule instanceof Rule.Process r) {
            return q.process() != null && q.process().equalsIgnoreCase(r.name());
        }
        if (rule instanceof Rule.Match) {
            return true;
        }
        if (rule instanceof Rule.Named) {
            return domain != null && !domain.isEmpty();
        }
        Sender s = q.sender();
        if (rule instanceof Rule.InPort r) {
            return within(r.ranges(), s.inboundPort()) && s.inboundPort() > 0;
        }
        if (rule instanceof Rule.InType r) {
            return s.inboundType() != null && r.types().contains(s.inboundType());
        }
        if (rule instanceof Rule.InName r) {
            return s.inboundName() != null && r.names().contains(s.inboundName());
        }
        if (rule instanceof Rule.InUser r) {
            return s.inboundUser() != null && r.users().contains(s.inboundUser());
        }
        if (rule instanceof Rule.ProcessPath r) {
            return s.processPath() != null && s.processPath().equalsIgnoreCase(r.path());
        }
        if (rule instanceof Rule.ProcessRegex r) {
            String subject = r.path() ? s.processPath() : q.process();
            return subject != null && r.pattern().matcher(subject).find();
        }
        if (rule instanceof Rule.Uid r) {
            return s.uid() >= 0 && within(r.ranges(), s.uid());
        }
        if (rule instanceof Rule.Dscp r) {
            return s.dscp() >= 0 && within(r.ranges(), s.dscp());
        }
        if (rule instanceof Rule.SetRef r && r.source()) {
            Query swapped = new Query(q.network(), q.domain(), q.source(), q.sourcePort(), ip, q.destinationPort(),
                    q.process(), q.sender());
            return matches(new Rule.SetRef(r.provider(), true), swapped, domain, q.source());
        }
        if (rule instanceof Rule.SetRef r) {
            for (Rule e : providers.get(r.provider()).entries()) {
                if (matches(e, q, domain, ip)) {
                    return true;
                }
            }
            return false;
        }
        if (rule instanceof Rule.GeoIp r) {
            return ip != null && inCountry(r.country(), ip);
        }
        if (rule instanceof Rule.Asn r) {
            return ip != null && unchecked(() -> geo.asns().asn(ip)) == r.number();
        }
        if (rule instanceof Rule.SrcGeoIp r) {
            return q.source() != null && inCountry(r.country(), q.source());
        }
        if (rule instanceof Rule.SrcAsn r) {
            return q.source() != null && unchecked(() -> geo.asns().asn(q.source())) == r.number();
        }
        if (rule instanceof Rule.GeoSite r) {
            return domain != null && onSite(r.code(), domain);
        }
        if (rule instanceof Rule.Logical r) {
            return switch (r.op()) {
                case AND -> r.children().stream().allMatch(c -> matches(c, q, domain, ip));
                case OR -> r.children().stream().anyMatch(c -> matches(c, q, domain, ip));
                case NOT -> !matches(r.children().get(0), q, domain, ip);
            };
        }
        throw new IllegalStateException(String.valueOf(rule));
    }

    private static boolean within(int[] ranges, long value) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (value >= ranges[i] && value <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    private boolean inCountry(String country, InetAddress ip) {
        if (country.equals("LAN")) {
            return GeoRules.LAN.stream().anyMatch(c -> contains(Addresses.parseCidr(c), ip));
        }
        CountryLookup db = unchecked(geo::countries);
        if (db != null) {
            return country.equals(db.country(ip));
        }
        return unchecked(() -> geo.countryRanges(country)).stream().anyMatch(c -> contains(Addresses.parseCidr(c), ip));
    }

    /** v2ray's meaning of each entry type, and {@code @attr}: only entries carrying every attribute named. */
    private boolean onSite(String code, String domain) {
        String[] parts = code.split("@");
        List<String> attributes = java.util.Arrays.asList(parts).subList(1, parts.length);
        for (GeoSiteDomain d : unchecked(() -> geo.site(parts[0]))) {
            if (!d.attributes().containsAll(attributes)) {
                continue;
            }
            String v = d.value().toLowerCase(Locale.ROOT);
            boolean hit = switch (d.type()) {
                case FULL -> domain.equals(v);
                case ROOT_DOMAIN -> domain.equals(v) || domain.endsWith("." + v);
                case PLAIN -> domain.contains(v);
                case REGEX -> com.google.re2j.Pattern.compile(d.value()).matcher(domain).find();
            };
            if (hit) {
                return true;
            }
        }
        return false;
    }

    private static boolean within(long[] ranges, long value) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (value >= ranges[i] && value <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    private interface GeoCall<T> {
        T get() throws GeoDataException;
    }

    private static <T> T unchecked(GeoCall<T> call) {
        try {
            return call.get();
        } catch (GeoDataException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code +.x}: x and below; {@code .x}: below only; {@code *}: one label. */
    static Pattern wildcardRegex(String pattern) {
        StringBuilder re = new StringBuilder();
        String body = pattern;
        if (pattern.startsWith("+.")) {
            re.append("(?:[^.]+\\.)*");
            body = pattern.substring(2);
        } else if (pattern.startsWith(".")) {
            re.append("(?:[^.]+\\.)+");
            body = pattern.substring(1);
        }
        String[] labels = body.split("\\.", -1);
        for (int i = 0; i < labels.length; i++) {
            if (i > 0) {
                re.append("\\.");
            }
            re.append(labels[i].equals("*") ? "[^.]+" : Pattern.quote(labels[i]));
        }
        return Pattern.compile(re.toString());
    }

    /** DOMAIN-WILDCARD as a java.util.regex: {@code *} is {@code .*}, {@code ?} is {@code .}, the rest literal. */
    static Pattern globRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    /** IP-SUFFIX bit by bit: the last {@code bits} bits of the same-family address equal the rule's. */
    private static boolean endsWith(Rule.IpSuffix rule, InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] b = unmapped(address.getAddress());
        if ((b.length == 16) != rule.v6()) {
            return false;
        }
        int width = b.length * 8;
        for (int i = 0; i < rule.bits(); i++) {
            int pos = width - 1 - i; // bit position from the most significant end
            int bit = (b[pos / 8] >> (7 - pos % 8)) & 1;
            int want = (int) ((i < 64 ? rule.lo() >>> i : rule.hi() >>> (i - 64)) & 1);
            if (bit != want) {
                return false;
            }
        }
        return true;
    }

    private static byte[] unmapped(byte[] b) {
        if (b.length == 16) {
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            mapped &= b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            if (mapped) {
                return new byte[] {b[12], b[13], b[14], b[15]};
            }
        }
        return b;
    }

    static boolean contains(Rule.Prefix prefix, InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] b = address.getAddress();
        if (b.length == 16) {
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            mapped &= b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            if (mapped) {
                b = new byte[] {b[12], b[13], b[14], b[15]};
            }
        }
        if ((b.length == 16) != prefix.v6()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            int bit = (b[i / 8] >> (7 - i % 8)) & 1;
            if (bit != prefix.bit(i)) {
                return false;
            }
        }
        return true;
    }
}
