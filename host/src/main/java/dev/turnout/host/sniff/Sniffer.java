package dev.turnout.host.sniff;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.dns.DnsMatchers;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * mihomo's sniffer: for a flow that arrives without a name (an application that resolved it itself, over DoH or a
 * hard-coded address), waits for the application's first bytes and takes the name from its TLS ClientHello or HTTP
 * {@code Host}, or, for UDP, from the ClientHello of its QUIC Initial packets, so that domain rules see it. TCP only
 * from inbounds without a handshake: a SOCKS5 or HTTP proxy client sends nothing before the proxy has answered,
 * which Turnout does once it has dialled.
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
    /** The rules' compiled sets of the moment, for force-domain's and skip-domain's set entries. */
    private final java.util.function.Supplier<? extends DnsMatchers> sets;
    /** Destinations whose flows gave no name: how many times, since when. Guarded by itself. */
    private final Map<InetSocketAddress, long[]> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, long[]> eldest) {
            return size() > FAILURES_TRACKED;
        }
    };

    Sniffer(SniffOptions options, long waitMillis) {
        this(options, waitMillis, () -> DnsMatchers.NONE);
    }

    Sniffer(SniffOptions options, long waitMillis, java.util.function.Supplier<? extends DnsMatchers> sets) {
        this.options = options;
        this.waitMillis = waitMillis;
        this.sets = sets;
    }

    /**
     * The sniffer {@code options} describe, or {@link #OFF} for none.
     *
     * @param sets the rules' compiled sets of the moment ({@code geosite:}, {@code rule-set:} entries)
     */
    public static Sniffer of(SniffOptions options, java.util.function.Supplier<? extends DnsMatchers> sets) {
        return options == null ? OFF : new Sniffer(options, WAIT_MILLIS, sets);
    }

    /**
     * The inbounds whose clients send their first bytes at once, as mihomo sniffs them: the TUN, redir-port,
     * tproxy-port and tunnels. A SOCKS or HTTP proxy client waits for the proxy's reply, which Turnout gives once it has connected.
     */
    private static final java.util.Set<String> WITHOUT_HANDSHAKE = java.util.Set.of("tun", "redir", "tproxy", "tunnel");

    /**
     * The flow to route, decided: {@code forRules} carries the name found (with the address the application
     * chose); {@code toDial} is what the outbound is asked for: the same, or the flow as it came when the sniffer's
     * {@code override-destination} is off; {@code host} is the name found, {@code null} when none was (mihomo's
     * {@code sniffHost}).
     */
    public record Sniffed(Metadata forRules, Metadata toDial, String host) {
        public static Sniffed unchanged(Metadata flow) {
            return new Sniffed(flow, flow, null);
        }
    }

    /**
     * Whether {@code flow} waits for its first bytes. {@code restored} is the flow before its fake address was
     * turned back into a name (the same flow when it had none).
     */
    public boolean wants(Metadata restored, Metadata original) {
        return options != null && restored.network() == Network.TCP && WITHOUT_HANDSHAKE.contains(restored.inbound())
                && sniffable(restored, original, options.sniffsPort(original.destination().port()));
    }

    /** Whether a flow to a port sniffed ({@code portSniffed}) is sniffed: not skipped, and nameless or forced. */
    private boolean sniffable(Metadata restored, Metadata original, boolean portSniffed) {
        Destination d = original.destination();
        if (d.address() == null || !portSniffed || options.skipDestination().contains(d.address(), sets.get())
                || restored.source() != null && options.skipSource().contains(restored.source().getAddress(),
                sets.get())) {
            return false;
        }
        if (forced(restored)) {
            return true;
        }
        // Only TCP flows that gave no name keep a destination from being sniffed for a while, as only mihomo's
        // TCPSniff keeps that list: a UDP service on 443 that is not QUIC (a VPN, DTLS) turned off the TLS sniffing
        // of the same server's HTTPS.
        boolean skipping = restored.network() == Network.TCP && failingOften(new InetSocketAddress(d.address(), d.port()));
        if (restored == original) {
            return options.parsePureIp() && !restored.destination().hasHost() && !skipping;
        }
        // Named by the redir-host DNS's memory (a fake address's name has no address beside it): an address CDN
        // names share goes by the last one answered, which the application may not have asked for (mihomo's
        // shouldOverride, DNSMapping with force-dns-mapping).
        return restored.destination().hasAddress() && options.forceDnsMapping() && !skipping;
    }

    private boolean forced(Metadata flow) {
        String host = flow.destination().host();
        return host != null && options.forceDomain().contains(host, sets.get());
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
            sniffed.setSuccess(named(restored, name == null ? null : name.host(), name == null ? null : name.by(),
                    key, forced));
        });
        inbound.pipeline().addFirst(SniffHandler.NAME, new SniffHandler(tls, http, waitMillis, found));
        inbound.read();
        return sniffed;
    }

    /** The flow to route once sniffing found {@code host} ({@code null}: nothing) with protocol {@code by}. */
    private Sniffed named(Metadata restored, String host, SniffOptions.Protocol by, InetSocketAddress key,
            boolean forced) {
        boolean tcp = restored.network() == Network.TCP;
        if (host == null || options.skipDomain().contains(host, sets.get())) {
            if (host == null && !forced && tcp) {
                failed(key);
            }
            return Sniffed.unchanged(restored);
        }
        if (tcp) {
            succeeded(key);
        }
        // The address the application chose stays (a fake one was already turned into a name: none then).
        Metadata named = restored.withDestination(
                new Destination(host, restored.destination().address(), key.getPort()));
        // A UDP flow's datagrams still go to the address the application chose, as mihomo's UDP sends to a resolved
        // flow's address: its replies must come from there, or a connected socket (every QUIC stack's) drops them,
        // and a proxy's answer for the name may be another server.
        boolean toName = by.overrideDestination() && (tcp || !restored.destination().hasAddress());
        return new Sniffed(named, toName ? named : restored, host);
    }

    /**
     * Whether UDP {@code restored} waits for its first datagrams (a QUIC ClientHello), on the terms {@link #wants}
     * puts to TCP flows; any inbound, as mihomo's: a UDP client sends at once, whatever its proxy protocol.
     */
    public boolean wantsDatagrams(Metadata restored, Metadata original) {
        return options != null && options.quic() != null && restored.network() == Network.UDP
                && sniffable(restored, original, options.quic().ports().get(original.destination().port()));
    }

    /** How long a flow waits for what names it. */
    public long waitMillis() {
        return waitMillis;
    }

    /** A reader of one UDP flow's first datagrams, for a flow {@link #wantsDatagrams} said yes to. */
    public DatagramSniff datagramSniff(Metadata restored, Metadata original) {
        Destination d = original.destination();
        return new DatagramSniff(restored, new InetSocketAddress(d.address(), d.port()), forced(restored));
    }

    /** Reads a UDP flow's first datagrams for the name its QUIC ClientHello carries; one flow, one thread. */
    public final class DatagramSniff {
        private final QuicClientHello hello = new QuicClientHello();
        private final Metadata restored;
        private final InetSocketAddress key;
        private final boolean forced;
        private Sniffed sniffed;

        private DatagramSniff(Metadata restored, InetSocketAddress key, boolean forced) {
            this.restored = restored;
            this.key = key;
            this.forced = forced;
        }

        /** Reads one datagram without consuming it; true once the flow is decided ({@link #sniffed}). */
        public boolean offer(io.netty.buffer.ByteBuf datagram) {
            if (sniffed == null) {
                SniffResult r = hello.offer(datagram);
                if (r.decided()) {
                    sniffed = named(restored, r.host(), options.quic(), key, forced);
                }
            }
            return sniffed != null;
        }

        /** The flow to route: named, or as it came when nothing named it in time. */
        public Sniffed sniffed() {
            if (sniffed == null) {
                sniffed = named(restored, null, options.quic(), key, forced);
            }
            return sniffed;
        }
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
