package dev.turnout.host.inbound;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many connections a listener holds at once, by where they come from: a Unix socket, this machine's loopback and
 * other machines each have their own {@link #PER_KIND}, and one address of another machine at most
 * {@link #PER_ADDRESS}. With one count for all (the controller's), a host of the LAN that never sent a secret held
 * every place with 256 connections trickling a header line now and then, and no dashboard, not even one on the Unix
 * socket, got in; with none (DNS over TCP), one took every descriptor of the process.
 */
public final class ConnectionBudget {

    public static final int PER_KIND = 256;
    /** A dashboard holds a few streams (logs, traffic, memory, connections) and a request or two, per tab. */
    public static final int PER_ADDRESS = 32;

    private final AtomicInteger unix = new AtomicInteger();
    private final AtomicInteger loopback = new AtomicInteger();
    private final AtomicInteger remote = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> byAddress = new ConcurrentHashMap<>();

    /** Takes a place for {@code ch}, given back as it closes; {@code false} (nothing taken) when there is none. */
    public boolean admit(Channel ch, boolean unixSocket) {
        InetAddress from = !unixSocket && ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        AtomicInteger kind = unixSocket ? unix : from == null || from.isLoopbackAddress() ? loopback : remote;
        if (!take(kind, PER_KIND)) {
            return false;
        }
        if (kind == remote) {
            boolean[] taken = new boolean[1];
            byAddress.compute(from, (k, n) -> {
                int held = n == null ? 0 : n;
                taken[0] = held < PER_ADDRESS;
                return taken[0] ? held + 1 : n;
            });
            if (!taken[0]) {
                kind.decrementAndGet();
                return false;
            }
            ch.closeFuture().addListener(f -> byAddress.computeIfPresent(from, (k, n) -> n <= 1 ? null : n - 1));
        }
        ch.closeFuture().addListener(f -> kind.decrementAndGet());
        return true;
    }

    private static boolean take(AtomicInteger count, int limit) {
        if (count.incrementAndGet() > limit) {
            count.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Connections held from {@code address} of another machine. */
    int from(InetAddress address) {
        return byAddress.getOrDefault(address, 0);
    }
}
