package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.dns.DnsOptions;
import dev.turnout.host.dns.EnhancedMode;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a reload changes in the {@code dns:} section: the parts Turnout applies while running, as mihomo's reload
 * does ({@code updateDNS} builds its DNS anew), and the keys that still need a restart. Each part applies on its own,
 * so that one key needing a restart (Clash Verge's DNS override changes many at once) does not keep the servers,
 * the filter or the listener from changing. Keys Turnout does not act on ({@code prefer-h3}, {@code cache-algorithm})
 * are neither.
 *
 * @param servers     which servers are asked ({@link #SERVER_KEYS})
 * @param filter      which names get real answers in place of fake ones ({@link #FILTER_KEYS})
 * @param listen      where the DNS server listens
 * @param ipv6        whether AAAA questions are answered ({@code dns.ipv6} and the top-level {@code ipv6})
 * @param systemHosts whether the system's hosts file is asked ({@code use-system-hosts})
 * @param hosts       whether the DNS server answers from {@code hosts:} ({@code use-hosts})
 * @param mode        {@code enhanced-mode}, or in fake-ip mode the fake ranges (which the pools decide on)
 * @param switched    {@code dns.enable}: the DNS switched on (every part told) or off (the listener told)
 */
record DnsChange(boolean servers, boolean filter, boolean listen, boolean ipv6, boolean systemHosts, boolean hosts,
        boolean mode, boolean switched) {

    static final DnsChange NONE = new DnsChange(false, false, false, false, false, false, false, false);

    /** The keys that say which servers are asked, and when {@code fallback} is (its filter comes with the rules). */
    static final Set<String> SERVER_KEYS = Set.of("nameserver", "fallback", "default-nameserver",
            "nameserver-policy", "fallback-filter", "proxy-server-nameserver", "direct-nameserver",
            "direct-nameserver-follow-policy", "respect-rules");

    /** The keys that say which names get real answers in place of fake ones. */
    static final Set<String> FILTER_KEYS = Set.of("fake-ip-filter", "fake-ip-filter-mode");

    /**
     * @param runningDns the options the DNS runs with, {@code null} when it is off
     * @param nextDns    {@code next}'s, {@code null} when it turns it off
     */
    static DnsChange between(Config running, DnsOptions runningDns, Config next, DnsOptions nextDns) {
        if (runningDns == null && nextDns == null) {
            return NONE;
        }
        if (runningDns == null) { // switched on: every part as the section says
            return new DnsChange(true, true, nextDns.listen() != null, true, true, true, true, true);
        }
        if (nextDns == null) { // switched off: the listener closes, the rest no longer answers
            return new DnsChange(false, false, runningDns.listen() != null, false, false, false, false, true);
        }
        // The ranges mean nothing in the other modes.
        boolean mode = runningDns.enhancedMode() != nextDns.enhancedMode()
                || nextDns.enhancedMode() == EnhancedMode.FAKE_IP
                        && (!runningDns.fakeIpRange().equals(nextDns.fakeIpRange())
                                || !Objects.equals(runningDns.fakeIpRange6(), nextDns.fakeIpRange6()));
        Map<String, Object> before = running.dns().values();
        Map<String, Object> after = next.dns().values();
        return new DnsChange(changed(SERVER_KEYS, before, after), changed(FILTER_KEYS, before, after),
                !Objects.equals(runningDns.listen(), nextDns.listen()), runningDns.ipv6() != nextDns.ipv6(),
                !Objects.equals(runningDns.systemHosts(), nextDns.systemHosts()),
                runningDns.useHosts() != nextDns.useHosts(), mode, false);
    }

    private static boolean changed(Set<String> keys, Map<String, Object> before, Map<String, Object> after) {
        return !keys.stream().allMatch(k -> Objects.equals(before.get(k), after.get(k)));
    }
}
