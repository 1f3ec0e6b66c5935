package dev.turnout.rules;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Parses GEOIP, SRC-GEOIP, GEOSITE, IP-ASN and SRC-IP-ASN payloads, and before compiling turns those rules into
 * what the index already knows: {@code GEOIP,LAN}, geodata-mode countries and GEOSITE lists become rule sets of their
 * own (CIDRs, source CIDRs for SRC-GEOIP, or domains, keywords and one RE2 alternation) under names no config can
 * spell, and mmdb countries and ASNs get their database, wrapped so that a decision looks an address up once however
 * many rules ask.
 */
final class GeoRules {

    /**
     * mihomo's {@code GEOIP,LAN} (rules/common/geoip.go, isLan): Go's netip IsPrivate, IsUnspecified, IsLoopback,
     * IsMulticast and IsLinkLocalUnicast. mihomo also counts its fake-IP range's broadcast address; Turnout does
     * not (it is the host's, and no flow is ever sent to it).
     */
    static final List<String> LAN = List.of(
            "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",
            "0.0.0.0/32", "::/128",
            "127.0.0.0/8", "::1/128",
            "224.0.0.0/4", "ff00::/8",
            "169.254.0.0/16", "fe80::/10");

    /** Synthetic rule-set names start with a NUL, which no provider name in a YAML config has. */
    private static final String SYNTHETIC = "\u0000";

    private final GeoData geo;
    private final Consumer<String> warnings;
    private final Map<String, ProviderParser.Parsed> sets = new HashMap<>();
    private final List<RuleException> errors = new ArrayList<>();
    private boolean countriesAsked;
    private CountryLookup countries;
    private boolean asnsAsked;
    private AsnLookup asns;
    private boolean failedCountries;
    private boolean failedAsns;
    private boolean failedSites;

    /** Whether a rule-set name is one of the sets made here (never a config's provider). */
    static boolean isSynthetic(String provider) {
        return provider.startsWith(SYNTHETIC);
    }

    GeoRules(GeoData geo, Consumer<String> warnings) {
        this.geo = geo;
        this.warnings = warnings;
    }

    // ---------------------------------------------------------------- parsing payloads

    static Rule geoIp(String value, boolean noResolve, Origin origin) throws RuleException {
        return new Rule.GeoIp(countryCode("GEOIP", value, origin), noResolve, null);
    }

    /** mihomo's {@code SRC-GEOIP}: a source address is never resolved, so {@code no-resolve} means nothing there. */
    static Rule srcGeoIp(String value, Origin origin) throws RuleException {
        return new Rule.SrcGeoIp(countryCode("SRC-GEOIP", value, origin), null);
    }

    private static String countryCode(String type, String value, Origin origin) throws RuleException {
        String code = value.trim().toUpperCase(Locale.ROOT);
        if (code.startsWith("!")) {
            throw new RuleException(origin, "a negated " + type + " ('" + value + "') is not supported; write NOT,(("
                    + type + "," + code.substring(1) + "))");
        }
        if (code.isEmpty() || !code.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
            throw new RuleException(origin, "bad " + type + " country '" + value + "': expected a code such as CN or LAN");
        }
        return code;
    }

    static Rule geoSite(String value, Origin origin) throws RuleException {
        String code = value.trim().toLowerCase(Locale.ROOT);
        if (code.startsWith("!")) {
            // mihomo's geosite matcher: '!cn' matches what the list does not (nameserver-policy 'geosite:!cn' too),
            // but only names: MatchDomain returns false for an empty host before the negation (rules/common/
            // geosite.go), so a flow to an address never matches GEOSITE,!cn.
            return new Rule.Logical(Rule.Op.AND, List.of(new Rule.Named(),
                    new Rule.Logical(Rule.Op.NOT, List.of(geoSite(code.substring(1), origin)))));
        }
        if (list(code).isEmpty()) {
            throw new RuleException(origin, "GEOSITE needs a list name before '@', got '" + value + "'");
        }
        return new Rule.GeoSite(code);
    }

    static Rule asn(String value, boolean noResolve, Origin origin) throws RuleException {
        return new Rule.Asn(asNumber("IP-ASN", value, origin), noResolve, null);
    }

    static Rule srcAsn(String value, Origin origin) throws RuleException {
        return new Rule.SrcAsn(asNumber("SRC-IP-ASN", value, origin), null);
    }

    private static long asNumber(String type, String value, Origin origin) throws RuleException {
        String v = value.trim();
        if (v.isEmpty() || v.length() > 10 || !v.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(v) > 0xffffffffL) {
            throw new RuleException(origin, "bad " + type + " '" + value + "': expected an AS number such as 13335");
        }
        return Long.parseLong(v);
    }

    private static String list(String code) {
        int at = code.indexOf('@');
        return (at < 0 ? code : code.substring(0, at)).trim();
    }

    // ---------------------------------------------------------------- resolving before compile

    /** The rule sets resolving made, to be indexed beside the config's providers. */
    Map<String, ProviderParser.Parsed> sets() {
        return sets;
    }

    /**
     * The problems found since the last call, so that they take their place among the others: each database that
     * cannot be had is reported once, at the first rule that needs it.
     */
    List<RuleException> takeErrors() {
        List<RuleException> out = List.copyOf(errors);
        errors.clear();
        return out;
    }

    /** A provider with its GEOIP, GEOSITE and IP-ASN entries resolved. */
    ProviderParser.Parsed resolve(ProviderParser.Parsed p) {
        if (p.behavior() != Behavior.CLASSICAL) {
            return p; // domain and ipcidr entries never name a database; the big lists need no walk
        }
        List<Rule> entries = null;
        for (int i = 0; i < p.entries().size(); i++) {
            Rule e = p.entries().get(i);
            Rule r = resolve(e, p.origins().get(i));
            if (r != e) {
                if (entries == null) {
                    entries = new ArrayList<>(p.entries());
                }
                entries.set(i, r);
            }
        }
        return entries == null ? p : new ProviderParser.Parsed(p.name(), p.behavior(), entries, p.origins());
    }

    /** The rule as the index takes it; the rule itself when it needs nothing (or its database failed). */
    Rule resolve(Rule rule, Origin origin) {
        if (rule instanceof Rule.GeoIp g && g.lookup() == null) {
            return country(g, origin);
        }
        if (rule instanceof Rule.SrcGeoIp g && g.lookup() == null) {
            return sourceCountry(g, origin);
        }
        if (rule instanceof Rule.SrcAsn a && a.lookup() == null) {
            AsnLookup db = asns(origin, "SRC-IP-ASN," + a.number());
            return db == null ? rule : new Rule.SrcAsn(a.number(), db);
        }
        if (rule instanceof Rule.GeoSite s) {
            return site(s, origin);
        }
        if (rule instanceof Rule.Asn a && a.lookup() == null) {
            AsnLookup db = asns(origin, "IP-ASN," + a.number());
            return db == null ? rule : new Rule.Asn(a.number(), a.noResolve(), db);
        }
        if (rule instanceof Rule.SubRule s) {
            Rule condition = resolve(s.condition(), origin);
            return condition == s.condition() ? rule : new Rule.SubRule(condition, s.name());
        }
        if (rule instanceof Rule.Logical l) {
            List<Rule> children = new ArrayList<>(l.children().size());
            boolean changed = false;
            for (Rule c : l.children()) {
                Rule r = resolve(c, origin);
                changed |= r != c;
                children.add(r);
            }
            return changed ? new Rule.Logical(l.op(), List.copyOf(children)) : rule;
        }
        return rule;
    }

    private Rule country(Rule.GeoIp g, Origin origin) {
        Rule r = country("GEOIP", g.country(), false, g.noResolve(), origin);
        return r != null ? r : g;
    }

    private Rule sourceCountry(Rule.SrcGeoIp g, Origin origin) {
        Rule r = country("SRC-GEOIP", g.country(), true, true, origin);
        return r != null ? r : g;
    }

    /**
     * {@code type,country} as the index takes it: a set of CIDRs (LAN; every country in geodata mode), of source
     * addresses with {@code source}, or the rule with its database; {@code null} when the database failed.
     */
    private Rule country(String type, String country, boolean source, boolean noResolve, Origin origin) {
        if (country.equals("LAN")) {
            return ranges(type + ",LAN", LAN, source, noResolve);
        }
        if (!countriesAsked) {
            countriesAsked = true;
            try {
                countries = geo.countries();
                if (countries != null) {
                    countries = new OneLookupPerAddress(countries);
                }
            } catch (GeoDataException e) {
                failedCountries = true;
                errors.add(new RuleException(origin, type + "," + country + ": " + e.getMessage()));
                return null;
            }
        }
        if (failedCountries) {
            return null;
        }
        if (countries != null) {
            return source ? new Rule.SrcGeoIp(country, countries) : new Rule.GeoIp(country, noResolve, countries);
        }
        try {
            List<String> cidrs = geo.countryRanges(country);
            if (cidrs == null) {
                errors.add(new RuleException(origin, type + "," + country + ": the country database has no '"
                        + country + "'"));
                return null;
            }
            return ranges(type + "," + country, cidrs, source, noResolve);
        } catch (GeoDataException e) {
            failedCountries = true;
            errors.add(new RuleException(origin, type + "," + country + ": " + e.getMessage()));
            return null;
        }
    }

    private Rule ranges(String name, List<String> cidrs, boolean source, boolean noResolve) {
        String key = SYNTHETIC + name;
        if (!sets.containsKey(key)) {
            List<Rule> entries = new ArrayList<>(cidrs.size());
            for (String c : cidrs) {
                entries.add(new Rule.Cidr(Addresses.parseCidr(c), source, false));
            }
            Origin where = new Origin(name, 0, 0);
            sets.put(key, new ProviderParser.Parsed(name, Behavior.IPCIDR, entries,
                    java.util.Collections.nCopies(entries.size(), where)));
        }
        return new Rule.SetRef(key, noResolve);
    }

    private AsnLookup asns(Origin origin, String rule) {
        if (!asnsAsked) {
            asnsAsked = true;
            try {
                asns = new OneAsnLookupPerAddress(geo.asns());
            } catch (GeoDataException e) {
                failedAsns = true;
                errors.add(new RuleException(origin, rule + ": " + e.getMessage()));
            }
        }
        return failedAsns ? null : asns;
    }

    private Rule site(Rule.GeoSite s, Origin origin) {
        String key = SYNTHETIC + "GEOSITE," + s.code();
        if (sets.containsKey(key)) {
            return new Rule.SetRef(key, false);
        }
        if (failedSites) {
            return s;
        }
        String[] parts = s.code().split("@", -1);
        String list = parts[0].trim();
        List<String> attributes = Arrays.stream(parts, 1, parts.length).map(String::trim).filter(a -> !a.isEmpty()).toList();
        List<GeoSiteDomain> domains;
        try {
            domains = geo.site(list);
        } catch (GeoDataException e) {
            failedSites = true;
            errors.add(new RuleException(origin, "GEOSITE," + s.code() + ": " + e.getMessage()));
            return s;
        }
        if (domains == null) {
            errors.add(new RuleException(origin, "GEOSITE," + s.code() + ": GeoSite.dat has no list '" + list + "'"));
            return s;
        }
        if (parts.length > 1 && attributes.isEmpty()) {
            warnings.accept(origin + ": GEOSITE," + s.code() + ": empty attribute after '@'; the whole list is used");
        }
        List<Rule> entries = new ArrayList<>();
        List<String> regexes = new ArrayList<>();
        int bad = 0;
        String firstBad = null;
        for (GeoSiteDomain d : domains) {
            if (!d.attributes().containsAll(attributes)) {
                continue;
            }
            try {
                switch (d.type()) {
                    case FULL -> entries.add(new Rule.Exact(RuleParser.domain(d.value(), origin)));
                    case ROOT_DOMAIN -> entries.add(new Rule.Suffix(RuleParser.domain(d.value(), origin)));
                    case PLAIN -> entries.add(new Rule.Keyword(d.value().toLowerCase(Locale.ROOT)));
                    case REGEX -> {
                        com.google.re2j.Pattern.compile(d.value()); // each on its own, so a bad one is named
                        regexes.add("(?:" + d.value() + ")");
                    }
                }
            } catch (RuleException | com.google.re2j.PatternSyntaxException e) {
                bad++;
                firstBad = firstBad == null ? d.type() + " '" + d.value() + "'" : firstBad;
            }
        }
        if (!regexes.isEmpty()) {
            entries.add(new Rule.SiteRegex(com.google.re2j.Pattern.compile(String.join("|", regexes))));
        }
        if (bad > 0) {
            warnings.accept(origin + ": GEOSITE," + s.code() + ": " + bad + " unusable entries skipped (the first: "
                    + firstBad + ")");
        }
        if (entries.isEmpty() && geo.sitesPresent()) {
            warnings.accept(origin + ": GEOSITE," + s.code() + " matches nothing: the list has no entry"
                    + (attributes.isEmpty() ? "" : " with @" + String.join("@", attributes)));
        }
        Origin where = new Origin("GeoSite.dat:" + list, 0, 0);
        sets.put(key, new ProviderParser.Parsed("GEOSITE," + s.code(), Behavior.DOMAIN, entries,
                java.util.Collections.nCopies(entries.size(), where)));
        return new Rule.SetRef(key, false);
    }

    /** What a decision last asked about on this thread. */
    private static final class Last {
        InetAddress address;
        String country;
        long asn;
    }

    /**
     * The country of the address a decision last asked about on this thread: the top-level index and every
     * logical rule's leaves are handed the same address object within one decision, so they share one lookup.
     */
    private static final class OneLookupPerAddress implements CountryLookup {
        private final CountryLookup db;
        private final ThreadLocal<Last> last = ThreadLocal.withInitial(Last::new);

        OneLookupPerAddress(CountryLookup db) {
            this.db = db;
        }

        @Override
        public String country(InetAddress address) {
            Last l = last.get();
            if (l.address != address) {
                l.country = db.country(address);
                l.address = address;
            }
            return l.country;
        }
    }

    /** As {@link OneLookupPerAddress}, for autonomous systems. */
    private static final class OneAsnLookupPerAddress implements AsnLookup {
        private final AsnLookup db;
        private final ThreadLocal<Last> last = ThreadLocal.withInitial(Last::new);

        OneAsnLookupPerAddress(AsnLookup db) {
            this.db = db;
        }

        @Override
        public long asn(InetAddress address) {
            Last l = last.get();
            if (l.address != address) {
                l.asn = db.asn(address);
                l.address = address;
            }
            return l.asn;
        }
    }
}
