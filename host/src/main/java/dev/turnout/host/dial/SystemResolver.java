package dev.turnout.host.dial;

import dev.turnout.api.Resolver;
import dev.turnout.host.dns.HostsTable;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Resolves with {@code hosts:} first, then the operating system's resolver on a small pool of its own (the
 * JDK's lookup blocks). Used when no {@code dns:} nameservers are configured.
 */
public final class SystemResolver implements Resolver, AutoCloseable {

    /** The same wildcard patterns as the DNS server's and the rules' hosts ({@code *.x}, {@code +.x}, {@code .x}). */
    private final HostsTable hosts;
    private final ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "turnout-resolver");
        t.setDaemon(true);
        return t;
    });

    public SystemResolver(Map<String, List<InetAddress>> hosts) {
        this.hosts = new HostsTable(hosts);
    }

    @Override
    public Future<InetAddress> resolve(String host, EventLoop loop) {
        List<InetAddress> fixed = hosts.lookup(host);
        if (!fixed.isEmpty()) {
            return loop.newSucceededFuture(fixed.get(0));
        }
        Promise<InetAddress> promise = loop.newPromise();
        pool.execute(() -> {
            try {
                promise.trySuccess(lookup(host));
            } catch (UnknownHostException e) {
                promise.tryFailure(e);
            }
        });
        return promise;
    }

    @Override
    public Future<List<InetAddress>> resolveAll(String host, EventLoop loop) {
        List<InetAddress> fixed = hosts.lookup(host);
        if (!fixed.isEmpty()) {
            return loop.newSucceededFuture(fixed);
        }
        Promise<List<InetAddress>> promise = loop.newPromise();
        pool.execute(() -> {
            try {
                List<InetAddress> all = new java.util.ArrayList<>(List.of(InetAddress.getAllByName(host)));
                // IPv4 first, as Clash prefers it by default; each family in the system's order.
                all.sort(java.util.Comparator.comparing(a -> !(a instanceof java.net.Inet4Address)));
                promise.trySuccess(List.copyOf(all));
            } catch (UnknownHostException e) {
                promise.tryFailure(e);
            }
        });
        return promise;
    }

    /** Blocking lookup, preferring IPv4 as Clash does by default. */
    public InetAddress lookup(String host) throws UnknownHostException {
        List<InetAddress> fixed = hosts.lookup(host);
        if (!fixed.isEmpty()) {
            return fixed.get(0);
        }
        InetAddress[] all = InetAddress.getAllByName(host);
        for (InetAddress a : all) {
            if (a instanceof java.net.Inet4Address) {
                return a;
            }
        }
        return all[0];
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
