package dev.turnout.host.route;

import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.Section;
import dev.turnout.host.dns.DomainTrie;
import dev.turnout.rules.GeoData;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Origin;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleException;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Clash's {@code fallback-filter}, which decides when {@code fallback}'s answer is taken over {@code nameserver}'s:
 * an address from {@code nameserver} is distrusted when it lies outside {@code geoip-code}'s country (and outside
 * the LAN), with {@code geoip: true}, the default, as from a polluting resolver; or inside one of the {@code ipcidr}
 * ranges. Names of {@code domain} and {@code geosite} go to {@code fallback} alone. The country test is the rule
 * {@code GEOIP,CN} over the rules' own database, so it reads Country.mmdb (or GeoIP.dat in geodata mode) as they do.
 */
final class FallbackFilter {

    private final RuleSet trusted;
    private final RuleSet distrusted;
    private final DomainTrie<Boolean> domains;
    private final RuleSet sites;

    private FallbackFilter(RuleSet trusted, RuleSet distrusted, DomainTrie<Boolean> domains, RuleSet sites) {
        this.trusted = trusted;
        this.distrusted = distrusted;
        this.domains = domains;
        this.sites = sites;
    }

    boolean distrusts(InetAddress answer) {
        Query q = new Query(null, null, answer, 0, null, 0, null);
        return distrusted != null && matches(distrusted, q) || trusted != null && !matches(trusted, q);
    }

    boolean fallbackOnly(String name) {
        return domains.size() != 0 && domains.match(name) != null
                || sites != null && matches(sites, new Query(null, name, null, 0, null, 0, null));
    }

    private static boolean matches(RuleSet set, Query q) {
        return set.decide(q, NameResolver.NONE).index() >= 0;
    }

    /**
     * The filter of {@code dns}, or {@code null} when there is no {@code fallback} to filter. Problems go to
     * {@code errors}, at the key.
     */
    static FallbackFilter compile(Section dns, GeoData geo, List<ConfigException> errors, List<String> notes) {
        if (!(dns.values().get("fallback") instanceof List<?> fallback) || fallback.isEmpty()) {
            return null;
        }
        Object raw = dns.values().getOrDefault("fallback-filter", Map.of());
        Origin at = dns.originOf(dns.values().containsKey("fallback-filter") ? "fallback-filter" : "fallback");
        if (!(raw instanceof Map<?, ?> filter)) {
            errors.add(new ConfigException(at, "dns: 'fallback-filter' must be a mapping"));
            return null;
        }
        try {
            boolean geoip = !Boolean.FALSE.equals(filter.get("geoip")) && !"false".equals(String.valueOf(filter.get("geoip")));
            String code = filter.get("geoip-code") == null ? "CN" : String.valueOf(filter.get("geoip-code")).trim();
            if (!code.matches("[A-Za-z]{2}")) {
                throw new ConfigException(at, "dns: fallback-filter 'geoip-code' must be a country code such as CN,"
                        + " got '" + code + "'");
            }
            List<RuleLine> trust = geoip ? List.of(new RuleLine("GEOIP,LAN,DIRECT", at),
                    new RuleLine("GEOIP," + code.toUpperCase(Locale.ROOT) + ",DIRECT", at)) : List.of();
            List<RuleLine> distrust = new ArrayList<>();
            for (String cidr : strings(filter, "ipcidr", at)) {
                distrust.add(new RuleLine((cidr.indexOf(':') >= 0 ? "IP-CIDR6," : "IP-CIDR,") + cidr.trim()
                        + ",DIRECT,no-resolve", at));
            }
            DomainTrie<Boolean> domains = new DomainTrie<>();
            for (String pattern : strings(filter, "domain", at)) {
                try {
                    domains.insert(pattern, Boolean.TRUE);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(at, "dns: fallback-filter domain '" + pattern + "': " + e.getMessage());
                }
            }
            List<RuleLine> sites = strings(filter, "geosite", at).stream()
                    .map(list -> new RuleLine("GEOSITE," + list.trim() + ",DIRECT", at)).toList();
            return new FallbackFilter(compiled(trust, geo, at, notes), compiled(distrust, geo, at, notes), domains,
                    compiled(sites, geo, at, notes));
        } catch (ConfigException e) {
            errors.add(e);
        } catch (RuleException e) {
            e.problems().forEach(p -> errors.add(new ConfigException(at, "dns: fallback-filter: "
                    + RoutingCompiler.stripOrigin(p))));
        }
        return null;
    }

    private static RuleSet compiled(List<RuleLine> lines, GeoData geo, Origin at, List<String> notes)
            throws RuleException {
        if (lines.isEmpty()) {
            return null;
        }
        RuleSet set = RuleSet.compile(lines, Map.of(), Set.of(), geo);
        set.warnings().forEach(w -> notes.add(w.startsWith(at + ": ") ? at + ": dns: fallback-filter: "
                + w.substring(at.toString().length() + 2) : w));
        return set;
    }

    private static List<String> strings(Map<?, ?> filter, String key, Origin at) throws ConfigException {
        Object v = filter.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw new ConfigException(at, "dns: fallback-filter '" + key + "' must be a list");
        }
        return list.stream().map(String::valueOf).toList();
    }
}
