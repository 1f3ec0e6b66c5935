package dev.turnout.host.outbound;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.GroupEntry;
import dev.turnout.host.config.GroupOptions;
import dev.turnout.host.config.ProxyEntry;
import dev.turnout.host.provider.ProxyProvider;
import dev.turnout.rules.Origin;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Each group's final members, worked out as mihomo does (config.parseProxies, outboundgroup.ParseProxyGroup
 * and GroupBase.GetProxies), and {@code GLOBAL}:
 * <ul>
 *   <li>the listed {@code proxies} first, in order; then with {@code include-all-proxies} (or
 *       {@code include-all}) every {@code proxies:} entry in name order, only those some {@code filter}
 *       pattern matches when there is a filter (the filter never removes listed members);</li>
 *   <li>then members whose type is in {@code exclude-type} ({@code Socks5|Http}, case-insensitive) or whose
 *       name {@code exclude-filter} matches are left out;</li>
 *   <li>then the nodes of the proxy providers it {@code use}s, in the order listed, and with
 *       {@code include-all-providers} those of every provider, in the config's order; only nodes some
 *       {@code filter} pattern matches, when there is a filter, listed pattern by pattern when it has several
 *       (and across providers, the listed members counting as one, the whole list once more so);</li>
 *   <li>proxies that were left out (see {@link LeftOutProxy}) are not members; a relay one of whose hops was left
 *       out has no members;</li>
 *   <li>a group left with nothing goes DIRECT (mihomo's COMPATIBLE), unless it was to get its members from
 *       proxy providers that have no nodes now (not fetched yet) or had only proxies that were left out: it stays
 *       empty and flows routed to it are refused, rather than sent DIRECT unbeknown to the user;</li>
 *   <li>{@code GLOBAL}, unless the config has a group of that name, is a select group of DIRECT, REJECT,
 *       every proxy and every group, in the config's order.</li>
 * </ul>
 */
final class GroupMembers {

    static final String GLOBAL = "GLOBAL";

    /** The groups as they are built, and what the user should read about them. */
    record Resolved(List<GroupEntry> groups, List<String> warnings) {
    }

    /** Go's sort.Strings order: by code point (UTF-8 byte order), not by UTF-16 unit. */
    static final Comparator<String> GO_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    private GroupMembers() {
    }

    static Resolved resolve(Config config) {
        return resolve(config, Map.of(), Map.of(), Set.of());
    }

    /**
     * @param providers the running providers with the nodes that became outbounds
     * @param nodeTypes each such node's type
     * @param leftOut   the {@code proxies:} entries that were left out
     */
    static Resolved resolve(Config config, Map<String, ProxyProvider> providers, Map<String, String> nodeTypes,
                            Set<String> leftOut) {
        List<String> warnings = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        types.put("DIRECT", "direct");
        types.put("REJECT", "reject");
        types.put("REJECT-DROP", "reject-drop");
        types.put("PASS", "pass");
        types.put("PASS-RULE", "pass-rule");
        List<String> allProxies = new ArrayList<>();
        for (ProxyEntry p : config.proxies()) {
            types.putIfAbsent(p.name(), p.type());
            if (!leftOut.contains(p.name())) {
                allProxies.add(p.name());
            }
        }
        allProxies.sort(GO_ORDER);
        for (GroupEntry g : config.groups()) {
            types.putIfAbsent(g.name(), g.type());
        }
        nodeTypes.forEach(types::putIfAbsent);
        List<GroupEntry> out = new ArrayList<>();
        for (GroupEntry g : config.groups()) {
            out.add(g.withMembers(members(g, allProxies, types, providers, leftOut, warnings)));
        }
        if (!types.containsKey(GLOBAL)) {
            List<String> all = new ArrayList<>(List.of("DIRECT", "REJECT"));
            config.proxies().stream().filter(p -> !leftOut.contains(p.name())).forEach(p -> all.add(p.name()));
            config.groups().forEach(g -> all.add(g.name()));
            out.add(new GroupEntry(GLOBAL, "select", List.copyOf(new LinkedHashSet<>(all)), null, 0, 150,
                    new Origin(config.displayName(), 0, 0), GroupOptions.DEFAULT));
        }
        return new Resolved(List.copyOf(out), List.copyOf(warnings));
    }

    private static List<String> members(GroupEntry g, List<String> allProxies, Map<String, String> types,
                                        Map<String, ProxyProvider> providers, Set<String> leftOut,
                                        List<String> warnings) {
        GroupOptions o = g.options();
        Set<String> members = new LinkedHashSet<>(g.members());
        List<String> gone = members.stream().filter(leftOut::contains).toList();
        if (!gone.isEmpty() && g.type().equals("relay")) {
            warnings.add(g.origin() + ": relay '" + g.name() + "' has no way through: its hop" + (gone.size() == 1 ? " "
                    : "s ") + quoted(gone) + " left out; flows routed to it are refused");
            return List.of();
        }
        members.removeAll(gone);
        if (o.includeAllProxies()) {
            for (String p : allProxies) {
                if (o.filter() == null || o.filter().matches(p)) {
                    members.add(p);
                }
            }
        }
        Set<String> used = new LinkedHashSet<>(o.use());
        if (o.includeAllProviders()) {
            used.addAll(providers.keySet());
        }
        // mihomo's providers of the group: one of the listed proxies (when there are), then each used one.
        int sources = (members.isEmpty() ? 0 : 1) + used.size();
        for (String name : used) {
            ProxyProvider p = providers.get(name);
            List<String> nodes = p == null ? List.of() : p.nodes();
            // A backtick-separated filter lists a provider's nodes pattern by pattern, as mihomo's GetProxies: a
            // fallback over "^JP`^HK" prefers JP, where the provider's order put HK first.
            members.addAll(o.filter() == null ? nodes : o.filter().byPattern(nodes));
        }
        if (o.filter() != null && o.filter().patternCount() > 1 && sources > 1) {
            // Across several providers (the listed proxies being one), mihomo orders the whole list so again, the
            // names no pattern matches (listed members) at the end.
            Set<String> ordered = new LinkedHashSet<>(o.filter().byPattern(members));
            ordered.addAll(members);
            members.clear();
            members.addAll(ordered);
        }
        if (!o.excludeTypes().isEmpty()) {
            members.removeIf(m -> excludedType(types.get(m), o.excludeTypes()));
        }
        if (o.excludeFilter() != null) {
            members.removeIf(o.excludeFilter()::matches);
        }
        if (members.isEmpty()) {
            List<String> why = new ArrayList<>(2);
            if (!gone.isEmpty()) {
                why.add(quoted(gone) + (gone.size() == 1 ? " was" : " were") + " left out");
            }
            if (!used.isEmpty()) {
                why.add("its proxy providers (" + String.join(", ", used) + ") have no nodes now");
            }
            if (!why.isEmpty()) {
                warnings.add(g.origin() + ": group '" + g.name() + "' has no members: " + String.join(" and ", why)
                        + "; flows routed to it are refused");
                return List.of();
            }
            warnings.add(g.origin() + ": group '" + g.name() + "' has no members left after include-all and its "
                    + "filters; it sends its flows DIRECT, as mihomo's COMPATIBLE does");
            return List.of("DIRECT");
        }
        return List.copyOf(members);
    }

    private static String quoted(List<String> names) {
        return "'" + String.join("', '", names) + "'";
    }

    /** Whether {@code type} (Turnout's, such as socks5 or url-test) is one exclude-type names, in mihomo's spelling or ours. */
    static boolean excludedType(String type, List<String> excluded) {
        if (type == null) {
            return false;
        }
        String clash = clashType(type);
        for (String e : excluded) {
            if (e.equalsIgnoreCase(type) || e.equalsIgnoreCase(clash)) {
                return true;
            }
        }
        return false;
    }

    /** mihomo's name for a type, as exclude-type spells it; the type itself when mihomo has none we know. */
    static String clashType(String type) {
        String name = AdapterTypes.mihomoName(type);
        return name == null ? type : name;
    }
}
