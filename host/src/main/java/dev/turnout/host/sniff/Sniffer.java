package dev.turnout.host.sniff;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.platform.IpPrefix;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * mihomo's sniffer: for a TUN flow that arrives without a name (an application that resolved it itself, over DoH
 * or a hard-coded address), waits for the application's first bytes and takes the name from its TLS ClientHello
 * or HTTP {@code Host}, so that domain rules see it. Only TUN flows: a SOCKS5 or HTTP proxy client sends nothing
 * before the proxy has answered, which Turnout does once it has dialled.
 */
public final class Sniffer {

    /** How long an application may take to send its first bytes (mihomo's second). */
    static final long WAIT_MILLIS = 1000;
    /** After this many flows in a row to one address and port gave no name, it is not sniffed for a while. */
    private static final int FAILURES_BEFORE_SKIPPING = 5;
    private static final long FAILURES_KEPT_NANOS = 600L * 1_000_000_000;
    private static final int FAILURES_TRACKED = 128;

    public static final Sniffer OFF = new Sniffer(null, WAIT_MILLIS);

    private final SniffOptions options;
    private final long waitMillis;
    /** Destinations whose flows gave no name: how many times, since when. Guarded by itself. */
    private final Map<InetSocketAddress, long[]> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, long[]> eldest) {
            return size() > FAILURES_TRACKED;
        }
    };

    Sniffer(SniffOptions options, long waitMillis) {
        this.options = options;
        this.waitMillis = waitMillis;
    }

    /** The sniffer {@code options} describe, or {@link #OFF} for none. */
    public static Sniffer of(SniffOptions options) {
        return options == null ? OFF : new Sniffer(options, WAIT_MILLIS);
    }

    /**
     * The inbounds whose clients send their first bytes at once, as mihomo sniffs them: the TUN, redir-port,
     * tproxy-port and tunnels. A SOCKS or HTTP proxy client waits for the proxy's reply, which Turnout gives once it has connected.
     */
    private static final java.util.Set<String> WITHOUT_HANDSHAKE = java.util.Set.of("tun", "redir", "tproxy", "tunnel");

    /**
     * The flow to route, decided: {@code forRules} carries the name found (with the address the application
     * chose); {@code toDial} is what the outbound is asked for: the same, or the address alone when the sniffer's
     * {@code override-destination} is off.
     */
    public record Sniffed(Metadata forRules, Metadata toDial) {
        static Sniffed unchanged(Metadata flow) {
            return new Sniffed(flow, flow);
        }
    }

    /**
     * Whether {@code flow} waits for its first bytes. {@code restored} is the flow before its fake address was
     * turned back into a name (the same flow when it had none).
     */
    public boolean wants(Metadata restored, Metadata original) {
        if (options == null || restored.network() != Network.TCP || !WITHOUT_HANDSHAKE.contains(restored.inbound())) {
            return false;
        }
        Destination d = original.destination();
        if (d.address() == null || !options.sniffsPort(d.port()) || inAny(options.skipDestination(), d.address())
                || restored.source() != null && inAny(options.skipSource(), restored.source().getAddress())) {
            return false;
        }
        if (forced(restored)) {
            return true;
        }
        return restored == original && options.parsePureIp() && !restored.destination().hasHost()
                && !failingOften(new InetSocketAddress(d.address(), d.port()));
    }

    private boolean forced(Metadata flow) {
        String host = flow.destination().host();
        return host != null && options.forceDomain().size() > 0 && options.forceDomain().match(host) != null;
    }

    /**
     * Reads {@code inbound}'s first bytes (it must hold them for the relay: {@code Relay.holdEarlyInput}) and
     * completes with the flow to route. Never fails: without a name the flow goes on as it came.
     */
    public Future<Sniffed> sniff(Channel inbound, Metadata restored, Metadata original) {
        Promise<SniffHandler.Found> found = inbound.eventLoop().newPromise();
        Promise<Sniffed> sniffed = inbound.eventLoop().newPromise();
        Destination d = original.destination();
        int port = d.port();
        SniffOptions.Protocol tls = options.tls() != null && options.tls().ports().get(port) ? options.tls() : null;
        SniffOptions.Protocol http = options.http() != null && options.http().ports().get(port) ? options.http() : null;
        InetSocketAddress key = new InetSocketAddress(d.address(), port);
        boolean forced = forced(restored);
        found.addListener(f -> {
            SniffHandler.Found name = (SniffHandler.Found) f.getNow();
            if (name == null || options.skipDomain().size() > 0 && options.skipDomain().match(name.host()) != null) {
                if (name == null && !forced) {
                    failed(key);
                }
                sniffed.setSuccess(Sniffed.unchanged(restored));
                return;
            }
            succeeded(key);
            // The address the application chose stays (a fake one was already turned into a name: none then).
            Metadata named = restored.withDestination(
                    new Destination(name.host(), restored.destination().address(), port));
            sniffed.setSuccess(new Sniffed(named, name.by().overrideDestination() ? named : restored));
        });
        inbound.pipeline().addFirst(SniffHandler.NAME, new SniffHandler(tls, http, waitMillis, found));
        inbound.read();
        return sniffed;
    }

    private static boolean inAny(List<IpPrefix> prefixes, InetAddress address) {
        for (IpPrefix p : prefixes) {
            if (p.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private boolean failingOften(InetSocketAddress key) {
        synchronized (failures) {
            long[] f = failures.get(key);
            if (f == null) {
                return false;
            }
            if (System.nanoTime() - f[1] > FAILURES_KEPT_NANOS) {
                failures.remove(key);
                return false;
            }
            return f[0] > FAILURES_BEFORE_SKIPPING;
        }
    }

    private void failed(InetSocketAddress key) {
        synchronized (failures) {
            long[] f = failures.computeIfAbsent(key, k -> new long[] {0, System.nanoTime()});
            f[0]++;
        }
    }

    private void succeeded(InetSocketAddress key) {
        synchronized (failures) {
            failures.remove(key);
        }
    }
}
