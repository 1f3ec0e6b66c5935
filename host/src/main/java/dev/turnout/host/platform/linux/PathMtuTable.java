package dev.turnout.host.platform.linux;

import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.RouteState;
import dev.turnout.host.platform.SystemCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Lets Turnout's own IPv6 sockets learn a smaller path MTU while the TUN captures IPv6. They are bound to the uplink
 * (SO_BINDTODEVICE), so they send through its default route; but when a router answers a datagram with Packet Too
 * Big, the kernel files the new MTU under the route its own lookup finds ({@code ip6_update_pmtu} carries the bound
 * device without making it strict), and with {@code ::/1} and {@code 8000::/1} through the TUN that is the TUN's
 * route. The socket's route never learns it, and every large datagram is dropped again: by hand, 0 of 5 datagrams of
 * 1,400 bytes over a link of MTU 1280 arrived, 4 of 5 without the TUN's routes.
 *
 * <p>So lookups that name the uplink get a route of their own: a copy of main's IPv6 default route(s) through the
 * uplink in table {@value #TABLE}, and two rules, {@code oif UPLINK lookup main suppress_prefixlength N} (main's
 * routes through the uplink that are longer than the TUN's, a LAN's /64, still win; its default route and the
 * TUN's routes are passed over) then {@code oif UPLINK lookup }{@value #TABLE}. Both the socket's lookup and the
 * kernel's MTU update then find the copy, and the MTU sticks to it. Applications' sockets name no interface and
 * go on into the TUN.
 *
 * <p>The copy goes via the uplink, so unlike the TUN's routes it outlives Turnout: it is recorded in
 * {@link RouteState#routes()} and the rules in {@link RouteState#dns()} as {@code rule ...} (the port-53 capture's
 * form, which {@link LinuxSystemDns#restore} deletes), each before it is made, and removed on exit and by
 * {@code turnout cleanup}. It follows main's default route: a stale copy would send Turnout's own IPv6 to a router
 * no longer there. With no IPv6 default route through the uplink there is no copy, and no rules either: they would
 * only name an interface and lead to an empty table.
 */
final class PathMtuTable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PathMtuTable.class);

    /** The table and the rules' priorities: next to the port-53 capture's (2053, 9053); mihomo's table is 2022. */
    static final int TABLE = 2054;
    static final int PRIORITY = 9054;
    /**
     * Routes through the TUN at least this long (a {@code route-exclude-address} of a /64 or longer cuts the split
     * routes that fine) cannot be passed over without passing over the uplink's own subnet (a /64) too: then nothing
     * is made, and the log says so.
     */
    static final int LONGEST_PASSED_OVER = 63;

    private final SystemCommand.Runner ip;

    /** @param ip runs {@code ip} with the arguments given */
    PathMtuTable(SystemCommand.Runner ip) {
        this.ip = ip;
    }

    /**
     * The prefix length of the first rule's {@code suppress_prefixlength}: the longest IPv6 route through the TUN
     * ({@code 1} for the split routes), or -1 when there is none, or when it is too long to pass over
     * ({@link #LONGEST_PASSED_OVER}).
     */
    static int passedOver(List<IpPrefix> throughTun6) {
        int longest = -1;
        for (IpPrefix p : throughTun6) {
            longest = Math.max(longest, p.prefixLength());
        }
        return longest > LONGEST_PASSED_OVER ? -1 : longest;
    }

    /**
     * The table's routes for main's IPv6 default routes ({@code ip -6 route show default}'s output) through
     * {@code uplink}: their gateway, device, metric and MTU, in table {@value #TABLE}, in {@link LinuxPlatform#routeArgs}'
     * form. A multipath default route (its next hops on lines of their own) is not copied.
     */
    static List<String> copies(String shownDefaults, String uplink) {
        List<String> copies = new ArrayList<>();
        for (String line : shownDefaults.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length < 3 || !w[0].equals("default")) {
                continue;
            }
            StringBuilder copy = new StringBuilder("-6 default");
            String dev = null;
            for (int i = 1; i < w.length; i++) {
                boolean valued = i + 1 < w.length;
                switch (w[i]) {
                    case "via" -> {
                        if (valued) {
                            copy.append(" via ").append(w[++i]);
                        }
                    }
                    case "dev" -> {
                        if (valued) {
                            dev = w[++i];
                            copy.append(" dev ").append(dev);
                        }
                    }
                    case "metric" -> {
                        if (valued) {
                            copy.append(" metric ").append(w[++i]);
                        }
                    }
                    case "mtu" -> {
                        if (valued && w[i + 1].equals("lock") && i + 2 < w.length) {
                            copy.append(" mtu lock ").append(w[i + 2]);
                            i += 2;
                        } else if (valued) {
                            copy.append(" mtu ").append(w[++i]);
                        }
                    }
                    // a gateway outside the uplink's subnets, which the copy cannot be added without
                    case "onlink" -> copy.append(" onlink");
                    default -> {
                        // proto, pref, expires, hoplimit...: the copy needs the way out, not where it came from
                    }
                }
            }
            if (uplink.equals(dev)) {
                copies.add(copy.append(" table ").append(TABLE).toString());
            }
        }
        return copies;
    }

    /** The two rules for {@code uplink}, as recorded in {@link RouteState#dns()}. */
    static List<String> rules(String uplink, int passedOver) {
        return List.of(
                LinuxSystemDns.RULE + " -6 oif " + uplink + " lookup main suppress_prefixlength " + passedOver
                        + " priority " + PRIORITY,
                LinuxSystemDns.RULE + " -6 oif " + uplink + " lookup " + TABLE + " priority " + (PRIORITY + 1));
    }

    static boolean isCopy(String route) {
        return route.startsWith("-6 ") && route.endsWith(" table " + TABLE);
    }

    static boolean isRule(String change) {
        return change.startsWith(LinuxSystemDns.RULE + " -6 oif ")
                && (change.endsWith(" priority " + PRIORITY) || change.endsWith(" priority " + (PRIORITY + 1)));
    }

    /**
     * Brings the table and rules to what main's IPv6 default routes through {@code uplink} call for now, the copies
     * first, then the rules: what is recorded but no longer called for is removed (then forgotten), what is called
     * for but not recorded is recorded, then made. A command that fails is logged and its record dropped; the rest goes on.
     *
     * @param uplink the interface Turnout's own sockets are bound to, or null when there is none
     * @param passedOver {@link #passedOver} of the TUN's IPv6 routes, -1 for none (then everything goes)
     * @return {@code state} with what is made now recorded, saved
     */
    RouteState follow(String uplink, int passedOver, RouteState state) throws IOException {
        List<String> copies = List.of();
        if (uplink != null && passedOver >= 0) {
            SystemCommand.Result shown = ip.run(List.of("-6", "route", "show", "default"));
            if (!shown.ok()) {
                log.warn("ip -6 route show default failed ({}): the IPv6 path-MTU table is left as it is", shown.output());
                return state;
            }
            copies = copies(shown.output(), uplink);
        }
        for (String copy : state.routes().stream().filter(PathMtuTable::isCopy).toList()) {
            if (!copies.contains(copy)) {
                state = unmake(LinuxPlatform.routeArgs("del", copy), "route " + copy, state.withoutRoute(copy), state);
            }
        }
        for (String copy : copies) {
            if (!state.routes().contains(copy)) {
                RouteState recorded = state.withRoute(copy);
                recorded.save();
                SystemCommand.Result r = LinuxPlatform.addRoute(copy, ip);
                state = made(r, "ip -6 route add " + copy.substring("-6 ".length()), recorded, state);
            }
        }
        // Rules only to a table that holds a route: they name the uplink, which may have gone with it.
        List<String> rules = state.routes().stream().anyMatch(PathMtuTable::isCopy) ? rules(uplink, passedOver)
                : List.of();
        for (String rule : state.dns().stream().filter(PathMtuTable::isRule).toList()) {
            if (!rules.contains(rule)) {
                state = unmake(ruleArgs("del", rule), rule, state.withoutDns(rule), state);
            }
        }
        for (String rule : rules) {
            if (!state.dns().contains(rule)) {
                RouteState recorded = state.withDns(rule);
                recorded.save();
                SystemCommand.Result r = ip.run(ruleArgs("add", rule));
                // "File exists": a killed Turnout's, which this record now covers.
                state = made(r.output().contains("File exists") ? new SystemCommand.Result(0, "") : r,
                        "ip -6 rule add " + rule.substring((LinuxSystemDns.RULE + " -6 ").length()), recorded, state);
            }
        }
        return state;
    }

    /**
     * Removes what a Turnout killed and started again without {@code turnout cleanup} left: its state file is
     * replaced by the new run's, and its copy, via the uplink, does not go with its TUN. Left, an old gateway's copy
     * kept the new copy of the same metric from being made ("File exists") while the old rules led to it. Only the
     * rules of {@link #rules}' form at this table's priorities, and this table's routes.
     *
     * @return what was removed, one line each
     */
    List<String> clearLeftovers() throws IOException {
        List<String> removed = new ArrayList<>();
        SystemCommand.Result shown = ip.run(List.of("-6", "rule", "show"));
        for (String line : shown.ok() ? shown.output().split("\n") : new String[0]) {
            // 9054:	from all oif eth0 [detached] lookup main suppress_prefixlength 1
            String[] w = line.replace("[detached]", "").trim().split("\\s+");
            boolean ours = w.length >= 7 && (w[0].equals(PRIORITY + ":") || w[0].equals((PRIORITY + 1) + ":"))
                    && w[1].equals("from") && w[2].equals("all") && w[3].equals("oif") && w[5].equals("lookup")
                    && (w[6].equals("main") || w[6].equals(Integer.toString(TABLE)));
            if (ours) {
                List<String> args = new ArrayList<>(List.of("-6", "rule", "del"));
                args.addAll(List.of(w).subList(3, w.length));
                args.addAll(List.of("priority", w[0].substring(0, w[0].length() - 1)));
                if (ip.run(args).ok()) {
                    removed.add("ip " + String.join(" ", args));
                }
            }
        }
        SystemCommand.Result table = ip.run(List.of("-6", "route", "show", "table", Integer.toString(TABLE)));
        if (table.ok() && !table.output().isBlank()
                && ip.run(List.of("-6", "route", "flush", "table", Integer.toString(TABLE))).ok()) {
            table.output().lines().map(String::strip).filter(l -> !l.isEmpty())
                    .forEach(l -> removed.add("ip -6 route del " + l + " table " + TABLE));
        }
        return removed;
    }

    /** Removes one thing: on success (or when it is gone already) {@code without} is saved and returned. */
    private RouteState unmake(List<String> args, String what, RouteState without, RouteState with) throws IOException {
        SystemCommand.Result r = ip.run(args);
        if (r.ok() || LinuxPlatform.alreadyGone(r.output()) || r.output().contains("No such file or directory")) {
            log.info("IPv6 path-MTU table: removed {}", what);
            without.save();
            return without;
        }
        log.warn("IPv6 path-MTU table: ip {} failed ({}): kept, and removed at exit", String.join(" ", args), r.output());
        return with;
    }

    /** After one thing was recorded ({@code recorded}) and tried: kept on success, else forgotten again. */
    private static RouteState made(SystemCommand.Result r, String what, RouteState recorded, RouteState before)
            throws IOException {
        if (r.ok()) {
            log.info("IPv6 path-MTU table: {}", what);
            return recorded;
        }
        log.warn("IPv6 path-MTU table: {} failed ({}): Turnout's own IPv6 may not learn a smaller path MTU", what,
                r.output());
        before.save();
        return before;
    }

    /** {@code rule -6 oif ...} to {@code -6 rule <verb> oif ...}. */
    static List<String> ruleArgs(String verb, String rule) {
        String[] parts = rule.trim().split("\\s+");
        List<String> args = new ArrayList<>(List.of(parts[1], "rule", verb));
        args.addAll(List.of(parts).subList(2, parts.length));
        return args;
    }
}
