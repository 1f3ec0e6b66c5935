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

    /** Looks {@code hosts} up from now on (a reload changed {@code hosts:}). */
    public void useHosts(Map<String, List<InetAddress>> hosts) {
        this.hosts.useHosts(hosts);
    }

    public SystemResolver(Map<String, List<InetAddress>> hosts) {
        this.hosts = new HostsTable(hosts);
    }

    @Override
    public Future<InetAddress> resolve(String host, EventLoop loop) {
        List<InetAddress> fixed = hosts.lookup(host);
        return !fixed.isEmpty() ? loop.newSucceededFuture(fixed.get(0)) : onPool(loop, () -> lookup(host));
    }

    @Override
    public Future<List<InetAddress>> resolveAll(String host, EventLoop loop) {
        List<InetAddress> fixed = hosts.lookup(host);
        return !fixed.isEmpty() ? loop.newSucceededFuture(fixed) : onPool(loop, () -> lookupAll(host));
    }

    /** A blocking lookup. */
    private interface Lookup<T> {
        T get() throws UnknownHostException;
    }

    /** Runs {@code lookup} on the pool (the JDK's lookup blocks), completing on {@code loop}. */
    private <T> Future<T> onPool(EventLoop loop, Lookup<T> lookup) {
        Promise<T> promise = loop.newPromise();
        pool.execute(() -> {
            try {
                promise.trySuccess(lookup.get());
            } catch (UnknownHostException e) {
                promise.tryFailure(e);
            }
        });
        return promise;
    }

    /** Blocking lookup, preferring IPv4 as Clash does by default. */
    public InetAddress lookup(String host) throws UnknownHostException {
        return lookupAll(host).get(0);
    }

    /**
     * Blocking: {@code host}'s {@code hosts:} entry as written, else every address the system gives, IPv4 first as
     * Clash prefers, each family in the system's order. Never empty.
     */
    public List<InetAddress> lookupAll(String host) throws UnknownHostException {
        List<InetAddress> fixed = hosts.lookup(host);
        if (!fixed.isEmpty()) {
            return fixed;
        }
        List<InetAddress> all;
        try {
            all = new java.util.ArrayList<>(List.of(InetAddress.getAllByName(host)));
        } catch (UnknownHostException e) {
            if (e.getMessage() == null || e.getMessage().equals(host)) {
                // The JDK's answer from its cache of failed lookups (10 s) is the bare name: a log line "failed:
                // x.example" says nothing, where the first lookup said why.
                throw new UnknownHostException(host + ": the system's resolver found no address");
            }
            throw e;
        }
        all.sort(java.util.Comparator.comparing(a -> !(a instanceof java.net.Inet4Address)));
        return List.copyOf(all);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
