package dev.turnout.host.config;

import java.util.List;

/**
 * The {@code proxy-groups:} keys mihomo added beyond Clash's name, type, proxies and check settings.
 *
 * @param includeAllProxies every {@code proxies:} entry joins, in name order, after the listed members
 *     ({@code include-all} sets this and {@code includeAllProviders})
 * @param includeAllProviders the nodes of every proxy provider join, after those of {@code use}
 * @param use the proxy providers whose nodes join, after the listed members
 * @param filter with include-all-proxies and providers: only names some pattern matches join; {@code null} when absent
 * @param excludeFilter members whose name it matches are left out; {@code null} when absent
 * @param excludeTypes members of these types ({@code Socks5|Http}, case-insensitive) are left out
 * @param hidden dashboards do not list the group (shown as {@code hidden} in {@code /proxies})
 * @param icon an image URL dashboards show for the group, or {@code null}
 * @param lazy a scheduled check is skipped when no flow used the group since the last one (default true)
 * @param disableUdp UDP flows routed to the group are refused
 * @param expectedStatus what a delay check must answer to count as up
 * @param timeoutMillis how long a delay check may take (0: Turnout's default)
 * @param maxFailedTimes failed connections (within the check timeout of each other) that trigger a check at once
 * @param interfaceName on a group mihomo passes it down to its members' sockets; Turnout warns instead
 * @param routingMark likewise
 * @param strategy a load-balance group's way of choosing: {@code consistent-hashing} (the default),
 *     {@code round-robin} or {@code sticky-sessions}, as mihomo's
 */
public record GroupOptions(boolean includeAllProxies, boolean includeAllProviders, List<String> use,
                           NameFilter filter, NameFilter excludeFilter, List<String> excludeTypes, boolean hidden,
                           String icon, boolean lazy, boolean disableUdp, StatusRanges expectedStatus,
                           int timeoutMillis, int maxFailedTimes, String interfaceName, int routingMark,
                           String strategy) {

    /** mihomo's load-balance strategies. */
    public static final String CONSISTENT_HASHING = "consistent-hashing";
    public static final String ROUND_ROBIN = "round-robin";
    public static final String STICKY_SESSIONS = "sticky-sessions";

    /** mihomo's defaults: lazy, 5 failures. */
    public static final int DEFAULT_MAX_FAILED_TIMES = 5;

    public static final GroupOptions DEFAULT = new GroupOptions(false, false, List.of(), null, null, List.of(),
            false, null, true, false, StatusRanges.ANY, 0, DEFAULT_MAX_FAILED_TIMES, null, 0, CONSISTENT_HASHING);

}
