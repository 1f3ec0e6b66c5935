package dev.turnout.host.dial;

import dev.turnout.api.Resolver;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A proxy's {@code ip-version} (mihomo's DialOptions): which of its server's addresses are dialled, and in which
 * order. {@code ipv4} and {@code ipv6} take that family alone; the {@code -prefer} ones try it first and the other
 * after it; {@code dual}, the default, keeps the resolver's order.
 */
public enum IpVersion {
    DUAL("dual"), IPV4("ipv4"), IPV6("ipv6"), IPV4_PREFER("ipv4-prefer"), IPV6_PREFER("ipv6-prefer");

    private final String written;

    IpVersion(String written) {
        this.written = written;
    }

    /** {@code text} as mihomo reads it; {@code null} when it is none of the five (mihomo then dials both). */
    public static IpVersion parse(String text) {
        for (IpVersion v : values()) {
            if (v.written.equals(text.trim().toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        return null;
    }

    /** The five values as a config writes them, for an error message. */
    public static String choices() {
        List<String> all = new ArrayList<>();
        for (IpVersion v : values()) {
            all.add(v.written);
        }
        return String.join(", ", all);
    }

    @Override
    public String toString() {
        return written;
    }

    /** {@code names} giving this version's addresses in this version's order. */
    public Resolver over(Resolver names) {
        if (this == DUAL) {
            return names;
        }
        return new Resolver() {
            @Override
            public Future<InetAddress> resolve(String host, EventLoop loop) {
                return Answers.first(resolveAll(host, loop), loop);
            }

            @Override
            public Future<List<InetAddress>> resolveAll(String host, EventLoop loop) {
                return Answers.kept(names.resolveAll(host, loop), loop, IpVersion.this::order,
                        all -> host + ": no " + family() + " address (ip-version " + IpVersion.this + "); it has "
                                + all);
            }

            @Override
            public String toString() {
                return names + " (" + IpVersion.this + ")";
            }
        };
    }

    private String family() {
        return this == IPV4 ? "IPv4" : "IPv6";
    }

    /** {@code all}, of this version's families, its preferred family first, each in the order given. */
    List<InetAddress> order(List<InetAddress> all) {
        List<InetAddress> v4 = new ArrayList<>();
        List<InetAddress> v6 = new ArrayList<>();
        for (InetAddress a : all) {
            (a instanceof Inet4Address ? v4 : v6).add(a);
        }
        List<InetAddress> out = new ArrayList<>(all.size());
        switch (this) {
            case IPV4 -> out.addAll(v4);
            case IPV6 -> out.addAll(v6);
            case IPV4_PREFER -> {
                out.addAll(v4);
                out.addAll(v6);
            }
            case IPV6_PREFER -> {
                out.addAll(v6);
                out.addAll(v4);
            }
            default -> out.addAll(all);
        }
        return out;
    }
}
