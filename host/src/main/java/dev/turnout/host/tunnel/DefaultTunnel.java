package dev.turnout.host.tunnel;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.RejectedException;
import dev.turnout.host.dial.Causes;
import dev.turnout.host.dns.EnhancedMode;
import dev.turnout.host.flow.Flow;
import dev.turnout.host.flow.FlowTable;
import dev.turnout.host.outbound.Outbounds;
import dev.turnout.host.outbound.ProxyGroup;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.relay.FlowTimeouts;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.route.Router;
import dev.turnout.host.route.Routing;
import dev.turnout.host.sniff.Sniffer;
import dev.turnout.rules.Decision;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tunnel loop: decide, open, record, relay. Deciding may resolve a name for an IP rule or find the
 * flow's process for a PROCESS-NAME, PROCESS-PATH or UID rule; those blocking steps run on
 * {@code blockingExecutor}, never on an event loop.
 */
public final class DefaultTunnel implements Tunnel {

    /** One line per flow, in one format: {@code [TCP] src --> dst match RULE using TARGET[OUTBOUND]}. */
    private static final Logger routeLog = LoggerFactory.getLogger("turnout.route");

    private final Router router;
    private final FlowTable flows;
    private final Executor blockingExecutor;
    /** For flows opened from now on; a reload that switches keepalive changes it. */
    private volatile FlowTimeouts timeouts;
    private final DescriptorShortage shortage;
    /**
     * The outbounds already said to drop UDP, each said once (a browser's QUIC would say it per connection): their
     * UDP flows are dropped, where mihomo goes on to the next rule, which can send what the user routed through a
     * node DIRECT instead.
     */
    private final java.util.Set<String> saidNoUdp = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile FakeIps fakeIps = FakeIps.NONE;
    private volatile Sniffer sniffer = Sniffer.OFF;

    public DefaultTunnel(Router router, FlowTable flows, Executor blockingExecutor, FlowTimeouts timeouts,
                         DescriptorShortage shortage) {
        this.router = router;
        this.flows = flows;
        this.blockingExecutor = blockingExecutor;
        this.timeouts = timeouts;
        this.shortage = shortage;
    }

    /** Restores names behind fake-IP destinations from now on. */
    public void useFakeIps(FakeIps lookup) {
        this.fakeIps = lookup;
    }

    /** Times new flows out as {@code next} says (a reload switched keepalive); open flows keep theirs. */
    public void useTimeouts(FlowTimeouts next) {
        this.timeouts = next;
    }

    /** Looks at new TUN flows' first bytes for their names, as {@code sniffer} says, from now on. */
    public void useSniffer(Sniffer next) {
        this.sniffer = next;
    }

    public FlowTable flows() {
        return flows;
    }

    @Override
    public void routeStream(Channel inbound, Metadata original, StreamReadiness readiness) {
        FakeIps fakes = fakeIps;
        Metadata flow = fakes.restore(original);
        Sniffer sniffing = sniffer;
        if (flow == null) {
            // An application holding a fake address from before (a restart, a pool reused): the name its first bytes
            // carry is the one it meant, as mihomo's handleTCPConn sniffs exactly these. Only a name will do: the
            // fake address itself leads nowhere.
            if (sniffing.wants(original, original)) {
                sniffing.sniff(inbound, original, original).addListener(f -> {
                    String host = ((Sniffer.Sniffed) f.getNow()).host();
                    if (host == null) {
                        refuseUnmapped(inbound, original, readiness);
                        return;
                    }
                    Metadata named = original.withDestination(Destination.ofHost(host, original.destination().port()));
                    routeStream(inbound, new Sniffer.Sniffed(named, named, host), readiness, () -> { },
                            EnhancedMode.NORMAL);
                });
            } else {
                refuseUnmapped(inbound, original, readiness);
            }
            return;
        }
        Runnable unpin = flow == original ? () -> { } : () -> fakes.release(original);
        EnhancedMode dnsMode = fakes.dnsMode(original, flow);
        if (sniffing.wants(flow, original)) {
            sniffing.sniff(inbound, flow, original).addListener(
                    f -> routeStream(inbound, (Sniffer.Sniffed) f.getNow(), readiness, unpin, dnsMode));
        } else {
            routeStream(inbound, Sniffer.Sniffed.unchanged(flow), readiness, unpin, dnsMode);
        }
    }

    private void refuseUnmapped(Channel inbound, Metadata original, StreamReadiness readiness) {
        routeLog.warn("[TCP] {} --> {} refused: a fake address with no name behind it", address(original.source()),
                original.destination());
        fail(inbound, original.source(), readiness, new RejectedException("fake address without a mapping"));
    }

    /**
     * What {@code open} returns, or its exception as a failed future: an outbound that throws rather than failing its
     * future (a relay with no way through, a plugin's bug) would otherwise leave the flow open in the table, its
     * application waiting, and the exception to a listener's log.
     */
    /** A UDP session still not open when its flow ended after this long is said, as a failed one is. */
    private static final long SLOW_SESSION_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static <T> Future<T> opened(Supplier<Future<T>> open, EventLoop loop) {
        try {
            return open.get();
        } catch (RuntimeException e) {
            return loop.newFailedFuture(e);
        }
    }

    private void routeStream(Channel inbound, Sniffer.Sniffed flow, StreamReadiness readiness, Runnable unpin,
            EnhancedMode dnsMode) {
        EventLoop loop = inbound.eventLoop();
        decide(flow.forRules(), loop).addListener(f -> {
            if (!f.isSuccess()) {
                unpin.run();
                fail(inbound, flow.forRules().source(), readiness, f.cause());
                return;
            }
            Routed routed = (Routed) f.getNow();
            Metadata decided = routed.flow();
            // A name the sniffer found only for the rules: the outbound is asked for what the application asked.
            Metadata dialed = flow.toDial() == flow.forRules() ? decided
                    : decided.withDestination(flow.toDial().destination());
            Outbound out;
            try {
                out = leafOf(routed);
            } catch (RuntimeException e) {
                unpin.run();
                fail(inbound, flow.forRules().source(), readiness, e);
                return;
            }
            if (!inbound.isActive()) {
                unpin.run();
                return;
            }
            log(decided, routed.decision(), out);
            Flow record = open(flow, decided, dialed, routed.decision().rule(), routed.chainTo(out), dnsMode);
            if (record == null) {
                unpin.run();
                fail(inbound, flow.forRules().source(), readiness,
                        new IOException("flow table full (" + flows.capacity() + " flows)"));
                return;
            }
            // Closed from outside while dialled (a dashboard's "close all"): the application goes, and its dial with
            // it (`leaving`). Relay.start closes both ends instead once there are two.
            record.onClose(() -> Relay.resetAndClose(inbound));
            Future<Channel> opening = opened(() -> out.openStream(dialed, loop), loop);
            // The application may leave while we dial; do not keep its outbound then. Taken off once dialled: left
            // on, it would hold the dial's promise for as long as the flow lives.
            ChannelFutureListener leaving = cf -> {
                if (!opening.isDone()) {
                    opening.cancel(false);
                }
            };
            inbound.closeFuture().addListener(leaving);
            opening.addListener(of -> {
                inbound.closeFuture().removeListener(leaving);
                if (!of.isSuccess()) {
                    flows.remove(record);
                    unpin.run();
                    if (leftWhileDialled(of, inbound)) {
                        return;
                    }
                    fail(inbound, flow.forRules().source(), readiness, of.cause(),
                            where(dialed, routed.decision().target(), out));
                    return;
                }
                Channel outbound = (Channel) of.getNow();
                if (!inbound.isActive()) {
                    outbound.close();
                    flows.remove(record);
                    unpin.run();
                    return;
                }
                readiness.connected(outbound);
                Relay.start(inbound, outbound, record, timeouts, () -> {
                    flows.remove(record);
                    unpin.run();
                });
            });
        });
    }

    @Override
    public Future<RoutedRequest> routeRequest(Channel inbound, Metadata original) {
        EventLoop loop = inbound.eventLoop();
        Promise<RoutedRequest> promise = loop.newPromise();
        FakeIps fakes = fakeIps;
        Metadata flow = fakes.restore(original);
        if (flow == null) {
            routeLog.warn("[TCP] {} --> {} refused: a fake address with no name behind it", address(original.source()),
                    original.destination());
            return promise.setFailure(new RejectedException("fake address without a mapping"));
        }
        Runnable unpin = flow == original ? () -> { } : () -> fakes.release(original);
        decide(flow, loop).addListener(f -> {
            Outbound out;
            try {
                if (!f.isSuccess()) {
                    throw f.cause();
                }
                Routed routed = (Routed) f.getNow();
                Metadata decided = routed.flow();
                out = leafOf(routed);
                log(decided, routed.decision(), out);
                Flow record = flows.open(decided, routed.decision().rule(), routed.chainTo(out),
                        fakes.dnsMode(original, flow));
                if (record == null) {
                    throw new IOException("flow table full (" + flows.capacity() + " flows)");
                }
                promise.setSuccess(new Request(inbound, decided, out, record, unpin));
            } catch (Throwable e) {
                unpin.run();
                warnUnlessRejected(flow.source(), e);
                promise.setFailure(e);
            }
        });
        return promise;
    }

    /** One routed request: {@link #end} takes it out of the table once, whoever calls it. */
    private final class Request implements RoutedRequest {
        private final Channel inbound;
        private final Metadata metadata;
        private final Outbound out;
        private final Flow record;
        private final Runnable unpin;
        private boolean ended;

        Request(Channel inbound, Metadata metadata, Outbound out, Flow record, Runnable unpin) {
            this.inbound = inbound;
            this.metadata = metadata;
            this.out = out;
            this.record = record;
            this.unpin = unpin;
        }

        @Override
        public Flow flow() {
            return record;
        }

        @Override
        public String outbound() {
            return out.name();
        }

        @Override
        public Future<Channel> open() {
            Future<Channel> opening = opened(() -> out.openStream(metadata, inbound.eventLoop()), inbound.eventLoop());
            opening.addListener(f -> {
                if (!f.isSuccess() && !leftWhileDialled(f, inbound)) {
                    warnUnlessRejected(metadata.source(), f.cause(), where(metadata, record.target(), out));
                }
            });
            return opening;
        }

        @Override
        public FlowTimeouts timeouts() {
            return timeouts;
        }

        @Override
        public void end() {
            if (!ended) {
                ended = true;
                flows.remove(record);
                unpin.run();
            }
        }
    }

    @Override
    public Future<DatagramSession> routeDatagram(Metadata original, EventLoop loop, DatagramSession.Receiver toApplication) {
        FakeIps fakes = fakeIps;
        Metadata flow = fakes.restore(original);
        if (flow == null) {
            routeLog.warn("[UDP] {} --> {} refused: a fake address with no name behind it", address(original.source()),
                    original.destination());
            return loop.newFailedFuture(new RejectedException("fake address without a mapping"));
        }
        Runnable unpin = flow == original ? () -> { } : () -> fakes.release(original);
        EnhancedMode dnsMode = fakes.dnsMode(original, flow);
        Sniffer sniffing = sniffer;
        if (sniffing.wantsDatagrams(flow, original)) {
            // Routed once its first datagrams have named it (QUIC): the session takes them meanwhile.
            return loop.newSucceededFuture(new SniffingDatagramSession(loop, sniffing.datagramSniff(flow, original),
                    sniffing.waitMillis(), sniffed -> openDatagram(sniffed, original, fakes, loop, toApplication,
                            unpin, dnsMode), unpin));
        }
        return openDatagram(Sniffer.Sniffed.unchanged(flow), original, fakes, loop, toApplication, unpin, dnsMode);
    }

    private Future<DatagramSession> openDatagram(Sniffer.Sniffed flow, Metadata original, FakeIps fakes,
            EventLoop loop, DatagramSession.Receiver toApplication, Runnable unpin, EnhancedMode dnsMode) {
        Promise<DatagramSession> promise = loop.newPromise();
        promise.addListener(p -> {
            if (!p.isSuccess()) {
                unpin.run();
            }
        });
        decide(flow.forRules(), loop).addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Routed routed = (Routed) f.getNow();
            Metadata decided = routed.flow();
            // A name the sniffer found only for the rules: the outbound is asked for what the application asked.
            Metadata dialed = flow.toDial() == flow.forRules() ? decided
                    : decided.withDestination(flow.toDial().destination());
            Outbound out;
            try {
                out = leafOf(routed);
            } catch (RuntimeException e) {
                promise.tryFailure(e);
                return;
            }
            log(decided, routed.decision(), out);
            if (!out.supportsUdp()) {
                if (saidNoUdp.size() < 64 && saidNoUdp.add(out.name())) {
                    routeLog.warn("outbound '{}' does not carry UDP (no 'udp: true', or a group's disable-udp): the UDP "
                            + "flows sent to it without a rule to go past (a listener's proxy, global mode) are dropped;"
                            + " said once", out.name());
                }
                promise.tryFailure(new RejectedException("outbound '" + out.name() + "' does not carry UDP"));
                return;
            }
            Flow record = open(flow, decided, dialed, routed.decision().rule(), routed.chainTo(out), dnsMode);
            if (record == null) {
                promise.tryFailure(new IOException("flow table full (" + flows.capacity() + " flows)"));
                return;
            }
            DatagramAddresses addresses = new DatagramAddresses(fakes, original, dialed.destination());
            DatagramSession.Receiver counting = (sender, payload) -> {
                record.countDownload(payload.readableBytes());
                toApplication.receive(addresses.toApplication(sender), payload);
            };
            long asked = System.nanoTime();
            opened(() -> out.openDatagram(dialed, loop, counting), loop).addListener(of -> {
                if (!of.isSuccess()) {
                    flows.remove(record);
                    // Said once a flow, as for TCP: a failed UDP flow drops what it is sent, it is not routed again.
                    if (!of.isCancelled()) {
                        warnUnlessRejected(decided.source(), of.cause(), where(dialed, routed.decision().target(), out));
                    } else if (System.nanoTime() - asked >= SLOW_SESSION_NANOS) {
                        // Given up by the flow's end (its idle time, before the outbound's own deadline): a session
                        // that never came, which would otherwise leave no trace.
                        warnUnlessRejected(decided.source(), new IOException("outbound '" + out.name()
                                + "' had opened no UDP session when the flow ended, "
                                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - asked) + " s after it was asked"));
                    }
                    promise.tryFailure(of.cause());
                    return;
                }
                DatagramSession session = new CountingSession((DatagramSession) of.getNow(), record, flows, unpin,
                        addresses, loop);
                record.onClose(session::close);
                if (!promise.trySuccess(session)) {
                    session.close();
                }
            });
        });
        return promise;
    }

    /**
     * Records a routed flow in the table as mihomo's tracker shows it: a name the sniffer found is its
     * {@code sniffHost}, its {@code host} only where it was put in place of the destination
     * ({@code override-destination}), and its DNS mode "normal" from then on.
     */
    private Flow open(Sniffer.Sniffed flow, Metadata decided, Metadata dialed, String rule, List<String> chain,
            EnhancedMode dnsMode) {
        if (flow.host() == null) {
            return flows.open(decided, rule, chain, dnsMode);
        }
        return flows.open(dialed, rule, chain, EnhancedMode.NORMAL, flow.host());
    }

    /** A routing decision and the outbound it names, taken from one routing snapshot. */
    private record Routed(Decision decision, Outbound outbound, Metadata flow, Outbounds outbounds) {

        /**
         * From {@code leaf} back to what the rule named, through the groups' choices now, as the flow is dialled
         * (mihomo's tracker fixes the chain then, so the dashboards' chain of an open flow keeps its groups when a
         * choice changes later). When the choices do not lead to {@code leaf} (a load-balance group, which picks per
         * destination, or a choice changed in between), only the two ends are known.
         */
        List<String> chainTo(Outbound leaf) {
            String target = decision.target();
            if (target.equals(leaf.name())) {
                return List.of(target);
            }
            List<String> path = new ArrayList<>(4);
            String at = target;
            for (int depth = 0; depth < 32 && at != null; depth++) {
                path.add(0, at);
                if (at.equals(leaf.name())) {
                    return path;
                }
                at = outbounds.get(at) instanceof ProxyGroup g && !g.relay() ? g.now() : null;
            }
            return List.of(leaf.name(), target);
        }
    }

    private Future<Routed> decide(Metadata flow, EventLoop loop) {
        Routing routing = router.current();
        if (!router.mayBlock(routing, flow)) {
            try {
                Router.Decided now = router.decideWithoutLookup(routing, flow);
                if (!now.wantsProcess()) {
                    return loop.newSucceededFuture(routed(routing, now));
                }
            } catch (RuntimeException e) {
                return loop.newFailedFuture(e);
            }
        }
        Promise<Routed> promise = loop.newPromise();
        try {
            blockingExecutor.execute(() -> {
                try {
                    promise.trySuccess(routed(routing, flow));
                } catch (RuntimeException e) {
                    promise.tryFailure(e);
                }
            });
        } catch (RejectedExecutionException e) {
            promise.tryFailure(e);
        }
        return promise;
    }

    private Routed routed(Routing routing, Metadata flow) {
        return routed(routing, router.route(routing, flow));
    }

    /** The decision taken for good: counted for the rule that made it, when the rules made it. */
    private static Routed routed(Routing routing, Router.Decided decided) {
        Decision d = decided.decision();
        Outbound out = routing.outbounds().get(d.target());
        if (out == null) {
            throw new IllegalStateException("rule " + d.rule() + " names unknown outbound " + d.target());
        }
        if (d.index() >= 0 || d == Decision.NO_MATCH && Router.byRules(routing, decided.flow())) {
            routing.stats().decided(d.index());
        }
        return new Routed(d, out, decided.flow(), routing.outbounds());
    }

    /**
     * Where a flow ends after its groups (load-balance ones choose by its destination), with what they ask for:
     * disable-udp, failure counting, lazy checks.
     */
    private static Outbound leaf(Outbound out, Metadata flow) {
        return out instanceof ProxyGroup g ? g.exit(flow) : out;
    }

    /**
     * The routed flow's leaf ({@link #leaf}); when it has none (a group with no usable member, its provider not
     * fetched yet), its routing line is written all the same, naming the group, before the failure is.
     */
    private static Outbound leafOf(Routed routed) {
        try {
            return leaf(routed.outbound(), routed.flow());
        } catch (RuntimeException e) {
            log(routed.flow(), routed.decision(), null);
            throw e;
        }
    }

    /**
     * A dial cancelled because its application went, or because its flow was closed (a dashboard's "close all")
     * while it was dialled: nothing failed, and nobody is left to tell (it was logged "failed:
     * LeanCancellationException").
     */
    private static boolean leftWhileDialled(Future<?> dial, Channel inbound) {
        return dial.isCancelled() && !inbound.isActive();
    }

    /** @param from the flow's source, as its routing line writes it (a TUN flow's, not the NAT's peer) */
    private void warnUnlessRejected(SocketAddress from, Throwable cause) {
        warnUnlessRejected(from, cause, null);
    }

    /** @param where the dial's destination and outbound ({@link #where}), or null before there was one */
    private void warnUnlessRejected(SocketAddress from, Throwable cause, String where) {
        if (DescriptorShortage.isShortage(cause)) {
            shortage.report(cause); // one line for the whole shortage, not one per flow
        } else if (!(cause instanceof RejectedException)) {
            routeLog.warn("flow from {} failed: {}{}", from instanceof InetSocketAddress a ? address(a)
                    : from == null ? "-" : from, Causes.of(cause), where == null ? "" : " (" + where + ")");
        }
    }

    private void fail(Channel inbound, SocketAddress from, StreamReadiness readiness, Throwable cause) {
        fail(inbound, from, readiness, cause, null);
    }

    private void fail(Channel inbound, SocketAddress from, StreamReadiness readiness, Throwable cause, String where) {
        warnUnlessRejected(from, cause, where);
        if (readiness == StreamReadiness.SILENT) {
            // Nothing to say in a protocol: a reset is how the application learns at once.
            Relay.resetAndClose(inbound);
            return;
        }
        try {
            readiness.failed(cause);
        } finally {
            // An inbound that speaks a protocol closes after its error reply; a reset could discard the reply.
            inbound.eventLoop().schedule(() -> { inbound.close(); }, 5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static void log(Metadata flow, Decision d, Outbound leaf) {
        if (routeLog.isInfoEnabled()) {
            routeLog.info("[{}] {} --> {} match {} using {}", flow.network(), address(flow.source()),
                    destination(flow), d.rule(), using(d.target(), leaf));
        }
    }

    /** The target as the routing line writes it: a group with the member it led to ({@code PROXY[node]}). */
    private static String using(String target, Outbound leaf) {
        return leaf == null || target.equals(leaf.name()) ? target : target + "[" + leaf.name() + "]";
    }

    private static Object destination(Metadata flow) {
        Destination to = flow.destination();
        return to.host() != null || to.address() == null ? to : address(new InetSocketAddress(to.address(), to.port()));
    }

    /**
     * Where a failed dial was going, for its warning: with several clients, or nodes sharing a server, the line did
     * not say which destination, group or node failed (mihomo's names them all).
     */
    private static String where(Metadata flow, String target, Outbound leaf) {
        // "to", not the routing line's "-->": tools (and tests) count a flow's routing lines by that arrow.
        return "to " + destination(flow) + " using " + using(target, leaf);
    }

    /** An address as mihomo writes it: no leading slash, IPv6 compressed and bracketed ([2001:db8::1]:443). */
    private static String address(InetSocketAddress a) {
        return a == null ? "-" : io.netty.util.NetUtil.toSocketAddressString(a);
    }

    /**
     * Counts what the application sends, takes the flow out of the table when the session ends, and sends what the
     * application addresses to the flow's destination as it was written to where the flow was routed: a fake
     * address's datagrams to the name it stands for (they went to the fake address, which leads nowhere).
     */
    private static final class CountingSession implements DatagramSession {
        private final DatagramSession inner;
        private final Flow flow;
        private final FlowTable table;
        private final Runnable unpin;
        private final DatagramAddresses addresses;
        private final EventLoop loop;
        private volatile boolean closed;

        CountingSession(DatagramSession inner, Flow flow, FlowTable table, Runnable unpin,
                DatagramAddresses addresses, EventLoop loop) {
            this.inner = inner;
            this.flow = flow;
            this.table = table;
            this.unpin = unpin;
            this.addresses = addresses;
            this.loop = loop;
        }

        @Override
        public void send(Destination destination, ByteBuf payload) {
            Destination to = closed ? null : addresses.toOutbound(destination);
            if (to == null) {
                payload.release(); // a fake address that names nothing, or one too many: never a wrong place
                return;
            }
            flow.countUpload(payload.readableBytes());
            inner.send(to, payload);
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public synchronized void close() {
            inner.close();
            table.remove(flow);
            if (!closed) {
                closed = true;
                unpin.run();
                // The addresses are the loop's (a flow closed from the controller's thread gets here too).
                if (loop.inEventLoop()) {
                    addresses.release();
                } else {
                    try {
                        loop.execute(addresses::release);
                    } catch (RejectedExecutionException e) {
                        // Turnout is stopping: the fake-IP pools go with it.
                    }
                }
            }
        }
    }
}
