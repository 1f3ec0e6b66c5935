package dev.turnout.host.dial;

import dev.turnout.api.Resolver;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A resolver whose answers keep their IPv6 addresses only while the top-level {@code ipv6} is on: mihomo's
 * {@code ipv6: false}, which a dashboard may also switch while Turnout runs, makes every name Turnout dials lead
 * to IPv4 addresses alone, for the next lookup.
 */
public final class Ipv6Gate implements Resolver {

    private final Resolver names;
    private final BooleanSupplier ipv6;

    private Ipv6Gate(Resolver names, BooleanSupplier ipv6) {
        this.names = names;
        this.ipv6 = ipv6;
    }

    /** {@code names} behind the gate; {@code null} stays {@code null} (no such resolver). */
    public static Resolver over(Resolver names, BooleanSupplier ipv6) {
        return names == null ? null : new Ipv6Gate(names, ipv6);
    }

    @Override
    public Future<InetAddress> resolve(String host, EventLoop loop) {
        return ipv6.getAsBoolean() ? names.resolve(host, loop) : Answers.first(resolveAll(host, loop), loop);
    }

    @Override
    public Future<List<InetAddress>> resolveAll(String host, EventLoop loop) {
        if (ipv6.getAsBoolean()) {
            return names.resolveAll(host, loop);
        }
        return Answers.kept(names.resolveAll(host, loop), loop,
                all -> all.stream().filter(a -> a instanceof Inet4Address).toList(),
                all -> host + ": no IPv4 address, and ipv6 is off");
    }
}
