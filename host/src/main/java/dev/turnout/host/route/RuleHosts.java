package dev.turnout.host.route;

import dev.turnout.host.dns.HostsTable;
import dev.turnout.host.dns.SystemHosts;
import dev.turnout.host.dns.WrittenHosts;
import dev.turnout.rules.Query;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clash's hosts before rules: a name listed in {@code hosts:} (wildcards included) carries its address into
 * matching from the first rule on, as mihomo's {@code tunnel.match} sets {@code DstIP} from its hosts before
 * looking at any rule. So {@code IP-CIDR,...,no-resolve} rules match such a name and no DNS query is made for
 * it. As in mihomo, {@code localhost} is 127.0.0.1 unless {@code hosts:} says otherwise.
 */
public final class RuleHosts {

    /** For when there is no {@code hosts:} at all (tests); still knows localhost, as mihomo does. */
    public static final RuleHosts DEFAULT = of(Map.of());

    private final HostsTable table;

    private RuleHosts(HostsTable table) {
        this.table = table;
    }

    /** From parsed {@code hosts:} entries (pattern to addresses). */
    public static RuleHosts of(Map<String, List<InetAddress>> hosts) {
        return of(hosts, null);
    }

    /**
     * From parsed {@code hosts:} entries, then the system's hosts file ({@code null}: none), as mihomo's rules see
     * them with {@code dns.use-system-hosts}.
     */
    public static RuleHosts of(Map<String, List<InetAddress>> hosts, SystemHosts system) {
        return new RuleHosts(new HostsTable(withLocalhost(hosts), system));
    }

    /** The rules see {@code hosts} from now on (a reload changed {@code hosts:}); a new instance, never DEFAULT. */
    public void useHosts(Map<String, List<InetAddress>> hosts) {
        if (this == DEFAULT) {
            throw new IllegalStateException("the shared default never changes");
        }
        table.useHosts(withLocalhost(hosts));
    }

    /** The rules see {@code system} after {@code hosts:} from now on ({@code null}: no hosts file). */
    public void useSystemHosts(SystemHosts system) {
        if (this == DEFAULT) {
            throw new IllegalStateException("the shared default never changes");
        }
        table.useSystemHosts(system);
    }

    private static Map<String, List<InetAddress>> withLocalhost(Map<String, List<InetAddress>> hosts) {
        Map<String, List<InetAddress>> all = new LinkedHashMap<>();
        all.put("localhost", List.of(literal("127.0.0.1")));
        all.putAll(hosts);
        return all;
    }

    /**
     * From {@code hosts:} as written, for {@code turnout match}, which checks no DNS settings: entries that
     * {@code run} refuses are left out.
     */
    public static RuleHosts parse(Map<String, List<String>> written) {
        return parse(written, null);
    }

    /** As {@link #parse(Map)}, then the system's hosts file ({@code null}: none), as a run's rules see it. */
    public static RuleHosts parse(Map<String, List<String>> written, SystemHosts system) {
        return of(WrittenHosts.read(written, problem -> { }).addresses(), system);
    }

    private static InetAddress literal(String text) {
        byte[] raw = NetUtil.createByteArrayFromIpAddressString(text);
        try {
            return raw == null ? null : InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * The address rules see for {@code domain}: the first one {@code hosts:} lists (mihomo picks one at random
     * among several; the first keeps decisions repeatable), or {@code null} when it is not listed.
     */
    public InetAddress addressOf(String domain) {
        if (domain == null || domain.isEmpty()) {
            return null;
        }
        List<InetAddress> fixed = table.lookup(domain);
        return fixed.isEmpty() ? null : fixed.get(0);
    }

    /** {@code query} with its destination taken from {@code hosts:} when its domain is listed there. */
    public Query apply(Query query) {
        InetAddress fixed = addressOf(query.domain());
        if (fixed == null) {
            return query;
        }
        return query.withDestination(fixed);
    }
}
