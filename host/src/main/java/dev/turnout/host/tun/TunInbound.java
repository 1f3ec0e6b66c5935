package dev.turnout.host.tun;

import dev.turnout.api.Metadata;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.platform.FlowSteering;
import dev.turnout.host.platform.InterfaceWatcher;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.KernelNat;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.platform.RoutePlan;
import dev.turnout.host.platform.RouteState;
import dev.turnout.host.platform.SystemDnsCapture;
import dev.turnout.host.platform.TunDevice;
import dev.turnout.host.platform.TunQueue;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.socket.ServerSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TUN inbound: opens and configures the device, runs the system stack's packet engine and its TCP
 * listeners, installs the capture routes, and follows the physical interface.
 *
 * <p>Where the system has multi-queue TUN (Linux), the device gets one queue per core (at most
 * {@link #MAX_QUEUES}), and each queue a lane: its own packet loop, engine, NAT table and listener, so that
 * several flows are moved by several cores, with no lock between them ({@link FlowOwners} says which lane owns
 * a flow). Elsewhere there is one lane.
 *
 * <p>Use: {@code TunInbound tun = TunInbound.start(options, tunnel, Platform.current(), hijack, shortage);}
 * then bind every socket Turnout opens for itself with
 * {@code platform.bindToInterface(channel, tun.outboundInterface())} (when that is non-null), and
 * {@link #close()} on shutdown (also from a shutdown hook). After a crash, {@code turnout cleanup} calls
 * {@link dev.turnout.host.platform.RouteCleanup#cleanup} on {@link TunOptions#stateFile()}.
 */
public final class TunInbound implements AutoCloseable {

    /** The inbound type of the flows it hands the tunnel, as mihomo names it. */
    public static final String INBOUND_TYPE = SystemStack.TUN_TYPE;

    private static final Logger log = LoggerFactory.getLogger(TunInbound.class);
    private static final int READ_BUDGET = 256;
    private static final Duration INTERFACE_POLL = Duration.ofSeconds(3);
    /**
     * A bound on the threads and buffers the lanes take on a machine with many cores (each lane has two 64 KiB
     * packet buffers and a thread); throughput was only measured on 2 cores.
     */
    static final int MAX_QUEUES = 8;
    /**
     * Whether established TCP flows are rewritten by the kernel ({@link KernelNat}) where it can: on unless
     * {@code -Dturnout.tun.kernel-nat=false}, the escape hatch should a kernel or a firewall disagree with it. It
     * was opt-in for one session while a browser-test stall (Chromium's first page empty after the server's 10 s
     * read timeout) was unexplained; the stall was not the kernel's: a closed DNS socket's read loop took the new
     * connection's request when the connection got the socket's descriptor number ({@code DatagramReadsEndAtClose}).
     */
    static final boolean KERNEL_NAT = !"false".equals(System.getProperty("turnout.tun.kernel-nat"));

    private final TunOptions options;
    private final Platform platform;
    private final TunDevice device;
    private final IoEventLoopGroup packetGroup;
    private final List<Lane> lanes = new ArrayList<>();
    private volatile RouteState routes;
    /** {@link RouteState#found()} of a persistent device, kept in the state file; null otherwise. */
    private String found;
    private volatile InterfaceWatcher watcher;
    private volatile Consumer<String> interfaceChanges;
    /** Looks every few seconds for routes the system dropped ({@link #restoreDroppedRoutes}); null without auto-route. */
    private volatile ScheduledExecutorService routeCheck;
    /**
     * Read by the route-check thread too: should {@link #close()}'s wait for it run out, a look that starts after must
     * see it and add nothing.
     */
    private volatile boolean closed;

    /** One queue of the device and what serves it, all on one loop. */
    private static final class Lane {
        final TunQueue queue;
        final IoEventLoop loop;
        final List<Channel> listeners = new ArrayList<>();
        volatile SystemStack engine;
        ScheduledFuture<?> sweeper;

        Lane(TunQueue queue, IoEventLoop loop) {
            this.queue = queue;
            this.loop = loop;
        }
    }

    private TunInbound(TunOptions options, Platform platform, TunDevice device, IoEventLoopGroup packetGroup) {
        this.options = options;
        this.platform = platform;
        this.device = device;
        this.packetGroup = packetGroup;
        for (TunQueue q : device.queues()) {
            lanes.add(new Lane(q, (IoEventLoop) packetGroup.next()));
        }
    }

    /**
     * Starts the inbound; on failure everything already done is undone before the exception is thrown.
     *
     * @param dnsHijack the DNS hook, or null to route DNS like any other UDP
     * @param shortage where the listeners report running out of descriptors, and which pauses them meanwhile
     */
    public static TunInbound start(TunOptions configured, Tunnel tunnel, Platform platform,
                                   DnsHijack dnsHijack, DescriptorShortage shortage) throws IOException {
        return start(configured, tunnel, platform, dnsHijack, shortage, tun -> { });
    }

    /**
     * As {@link #start(TunOptions, Tunnel, Platform, DnsHijack, DescriptorShortage)}, telling {@code beforeCapture}
     * the inbound once it knows its way out ({@link #outboundInterface()}) and before any route or the system's DNS
     * points into it: the host binds its own sockets there, or every connection it dials while the routes go in
     * (seconds with many excluded ranges) is captured, comes back as a flow and is dialled again, thousands a second.
     */
    public static TunInbound start(TunOptions configured, Tunnel tunnel, Platform platform, DnsHijack dnsHijack,
                                   DescriptorShortage shortage, Consumer<TunInbound> beforeCapture) throws IOException {
        // The platform's MTU when the config names none, settled once for the device, the engine and the log.
        TunOptions options = configured.mtu() > 0 ? configured : configured.withMtu(platform.defaultTunMtu());
        if (!platform.supportsTun()) {
            throw new IOException("TUN mode is not available on this system (" + platform.name() + ")");
        }
        // A gvisor or mixed stack runs on the system stack: the config's warning says so at its line.
        if (options.autoRoute() && !options.autoDetectInterface() && options.interfaceName() == null) {
            log.warn("tun auto-route without auto-detect-interface or interface-name: Turnout's own connections "
                    + "would loop back into the TUN");
        }
        int queues = Math.min(Runtime.getRuntime().availableProcessors(), MAX_QUEUES);
        TunDevice device = platform.openTun(options.device(), options.gso(), queues);
        if (options.inet6Address() != null && options.inet6Address().equals(IpPrefix.parse(TunOptions.DEFAULT_INET6))
                && !platform.carriesIpv6(device.name())) {
            // mihomo's default address, on a system with IPv6 switched off: as mihomo, the TUN goes without it.
            log.info("IPv6 is disabled on {}: the TUN has no IPv6 address", device.name());
            options = options.withAddresses(options.inet4Address(), null);
        }
        IoEventLoopGroup group = null;
        TunInbound inbound = null;
        try {
            List<IpPrefix> addresses = addresses(options);
            String found = recordFound(options, platform, device, addresses);
            platform.configure(device, addresses, options.mtu());
            group = platform.newEventLoopGroup(device.queues().size(), "turnout-tun");
            inbound = new TunInbound(options, platform, device, group);
            inbound.found = found;
            inbound.run(tunnel, dnsHijack, shortage, beforeCapture);
            return inbound;
        } catch (IOException | RuntimeException | Error e) {
            if (inbound != null) {
                inbound.close();
            } else {
                closeQuietly(device, platform, addresses(options));
                if (group != null) {
                    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
            }
            throw e;
        }
    }

    /**
     * For a persistent device with auto-route: saves what it is before Turnout changes it in the state file, which
     * cleanup and the next start read after a crash (the device, its routes with it, outlives the process). What a
     * killed Turnout's file says it was is kept: it is what the device was before that run.
     */
    private static String recordFound(TunOptions options, Platform platform, TunDevice device,
                                      List<IpPrefix> addresses) throws IOException {
        if (!device.persistent() || !options.autoRoute() || options.stateFile() == null) {
            return null;
        }
        String earlier = null;
        if (Files.isRegularFile(options.stateFile())) {
            try {
                RouteState left = RouteState.load(options.stateFile());
                if (left.device().equals(device.name()) && left.platform().equals(platform.name())) {
                    earlier = left.found();
                }
            } catch (IOException e) {
                log.warn("tun {}: the state file a stopped Turnout left is unreadable ({}): the device is given back "
                        + "as it is now", device.name(), e.getMessage());
            }
        }
        String found = platform.recordFound(device, addresses, earlier);
        if (found != null) {
            new RouteState(platform.name(), device.name(), List.of(), List.of(), found, options.stateFile()).save();
        }
        return found;
    }

    private void run(Tunnel tunnel, DnsHijack dnsHijack, DescriptorShortage shortage,
                     Consumer<TunInbound> beforeCapture) throws IOException {
        IpPrefix v4 = options.inet4Address();
        IpPrefix v6 = options.inet6Address();
        int n = lanes.size();
        int[] ports4 = new int[n];
        int[] ports6 = new int[n];
        EventLoop[] loops = new EventLoop[n];
        for (int i = 0; i < n; i++) {
            Lane lane = lanes.get(i);
            loops[i] = lane.loop;
            ports4[i] = v4 == null ? 0 : listen(lane, v4.address(), tunnel, shortage);
            ports6[i] = v6 == null ? 0 : listen(lane, v6.address(), tunnel, shortage);
        }
        FlowOwners owners = null;
        boolean steered = false;
        if (n > 1) {
            SystemStack.Addressing ad = SystemStack.Addressing.of(v4, 0, v6, 0);
            FlowSteering steering = new FlowSteering(n, ad.has4(), ad.a4(), ad.b4(), ports4,
                    ad.has6(), ad.a6Hi(), ad.a6Lo(), ad.b6Hi(), ad.b6Lo(), ports6);
            owners = new FlowOwners(steering, loops);
            steered = device.steer(steering);
        }
        int header = device.vnetHeaderLength();
        // Each lane gets its share of the NAT ports and of the tables' sizes, so the totals stay as configured.
        int tcpShare = Math.max(1, options.maxTcpFlows() / n);
        int udpShare = Math.max(1, options.maxUdpFlows() / n);
        boolean refuse6 = refuseIpv6(v6);
        KernelNat kernelNat = KERNEL_NAT ? device.kernelNat(tcpShare * n) : null;
        HijackTargets hijackTargets = HijackTargets.udp(options.dnsHijack());
        for (int i = 0; i < n; i++) {
            Lane lane = lanes.get(i);
            SystemStack.Addressing ad = SystemStack.Addressing.of(v4, ports4[i], v6, ports6[i]);
            SystemStack.Limits limits = new SystemStack.Limits(options.mtu(), tcpShare,
                    TunOptions.NAT_PORT_BASE + i * tcpShare, udpShare, options.udpTimeoutSeconds() * 1000L, 16);
            TunQueue queue = lane.queue;
            SystemStack stack = new SystemStack(ad, limits, header, tunnel, lane.loop,
                    (buffer, address, length) -> queue.write(address - header, header + length) == header + length,
                    dnsHijack, hijackTargets, "tun", owners, i);
            stack.refuseIpv6(refuse6);
            stack.kernelNat(kernelNat);
            if (owners != null) {
                owners.engine(i, stack);
            }
            lane.engine = stack;
        }
        for (Lane lane : lanes) {
            SystemStack stack = lane.engine;
            await(lane.queue.watchReadable(lane.loop, () -> readPackets(lane)), "watch " + device.name());
            lane.sweeper = lane.loop.scheduleWithFixedDelay(() -> stack.expire(System.nanoTime() / 1_000_000),
                    1, 1, TimeUnit.SECONDS);
        }
        if (options.interfaceName() == null && options.autoDetectInterface()) {
            watcher = new InterfaceWatcher(platform, List.of(device.name()), INTERFACE_POLL, now -> {
                Consumer<String> told = interfaceChanges;
                if (told != null) {
                    told.accept(now);
                }
            });
            if (watcher.current() == null) {
                log.warn("no default route found: Turnout's own connections are not bound to an interface");
            }
        }
        beforeCapture.accept(this);
        RoutePlan plan = null;
        if (options.autoRoute()) {
            List<Integer> families = new ArrayList<>();
            if (v4 != null) {
                families.add(4);
            }
            if (v6 != null || refuse6) {
                families.add(6);
            }
            routes = new RouteState(platform.name(), device.name(), List.of(), List.of(), found, options.stateFile());
            routes.save();
            // The resolver first: with the split routes first, queries to a resolver on the local subnet (which they
            // leave outside) went around the TUN for up to 330 ms after everything else was captured, and the
            // addresses they got reached the rules without a name.
            if (dnsHijack != null && !options.dnsHijack().isEmpty()) {
                captureSystemDns(refuse6);
            }
            plan = new RoutePlan(families, options.routeAddress(), options.routeExcludeAddress());
            routes = platform.installRoutes(device, plan, routes);
            routes = platform.followUplink(device, plan, outboundInterface(), routes);
            if (refuse6) {
                log.info("tun {} has no IPv6 address: IPv6 is captured and refused (reset, ICMPv6 unreachable) so it "
                        + "cannot leave around the TUN; 'strict-route: false' lets it", device.name());
            }
        }
        if (options.autoRoute()) {
            RouteState installed = routes;
            routeCheck = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "turnout-route-check");
                t.setDaemon(true);
                return t;
            });
            ScheduledExecutorService check = routeCheck;
            RoutePlan captured = plan;
            Runnable look = () -> {
                restoreDroppedRoutes(installed);
                followUplink(captured);
            };
            check.scheduleWithFixedDelay(look, INTERFACE_POLL.toMillis(), INTERFACE_POLL.toMillis(),
                    TimeUnit.MILLISECONDS);
            InterfaceWatcher w = watcher;
            if (w != null) {
                // Where the kernel reports route and link changes, look at once: a TUN set down and up loses its
                // routes, and until they are back everything leaves around it; a new IPv6 default route must reach
                // the path-MTU table's copy before Turnout's own IPv6 follows the old one. The timer stays for the rest.
                w.alsoOnEachChange(() -> {
                    try {
                        check.execute(look);
                    } catch (java.util.concurrent.RejectedExecutionException closing) {
                        // closed: the routes are being removed on purpose
                    }
                });
            }
        }
        log.info("tun {} up: {} {} mtu {}, offload {}, queues {}{}, listeners :{} :{}, auto-route {}, outbound "
                + "interface {}", device.name(), v4, v6 == null ? "" : v6, options.mtu(), header > 0 ? "on" : "off",
                n, n == 1 ? "" : steered ? " (steered to their flows' lanes)" : " (the kernel's own hash)",
                ports(ports4), ports(ports6), options.autoRoute(),
                outboundInterface() == null ? "none (no default route)" : outboundInterface());
    }

    /** mihomo's strict-route, as Turnout reads it: with no IPv6 on the TUN, capture IPv6 anyway and refuse it. */
    private boolean refuseIpv6(IpPrefix v6) {
        boolean refuse6 = options.autoRoute() && v6 == null && options.strictRoute();
        if (refuse6 && !platform.carriesIpv6(device.name())) {
            log.info("IPv6 is disabled on {}: there is no IPv6 to capture", device.name());
            refuse6 = false;
        }
        return refuse6;
    }

    private static String ports(int[] ports) {
        StringBuilder b = new StringBuilder();
        for (int p : ports) {
            b.append(b.length() == 0 ? "" : ",").append(p);
        }
        return b.toString();
    }

    /**
     * Points the system's resolver into the TUN (see {@link Platform#captureSystemDns}); a failure is logged, not
     * fatal: the TUN still captures everything else.
     */
    private void captureSystemDns(boolean refuse6) {
        IpPrefix v4 = options.inet4Address();
        IpPrefix v6 = options.inet6Address();
        InetAddress server = v4 != null ? v4.offset(1) : v6.offset(1);
        HijackTargets hijack = HijackTargets.udp(options.dnsHijack());
        try {
            SystemDnsCapture capture = platform.captureSystemDns(device, server, resolver ->
                    resolver instanceof java.net.Inet4Address ? v4 != null && hijack.matches(resolver, 53)
                            : v6 != null ? hijack.matches(resolver, 53) : refuse6,
                    options.routeAddress().isEmpty() && options.routeExcludeAddress().isEmpty(), routes);
            routes = capture.state();
            capture.report().forEach(line -> log.info("system DNS: {}", line));
        } catch (IOException e) {
            log.warn("system DNS not pointed at the TUN: {}", e.getMessage());
        }
    }

    /**
     * Puts back the capture routes another program's "set down, set up" of the device made the kernel delete: capture
     * had stopped without a word, DNS, DOMAIN-ruled flows and IPv6 leaving around the TUN. Said once per time.
     */
    private void restoreDroppedRoutes(RouteState installed) {
        if (closed) {
            return;
        }
        try {
            List<String> back = platform.restoreDroppedRoutes(device, installed);
            if (!back.isEmpty()) {
                log.warn("tun {} lost its routes (set down by another program?): capture resumes, {} routes put back",
                        device.name(), back.size());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("tun {} lost its routes and putting them back failed: {}", device.name(), e.getMessage());
        }
    }

    /**
     * Keeps the routes Turnout's own sockets need beside the capture routes in step with the uplink and its routes
     * ({@link Platform#followUplink}); on the route-check thread, which {@link #close()} stops before it removes what
     * {@link #routes} records.
     */
    private void followUplink(RoutePlan plan) {
        if (closed) {
            return;
        }
        try {
            routes = platform.followUplink(device, plan, outboundInterface(), routes);
        } catch (IOException | RuntimeException e) {
            log.warn("tun {}: following the uplink's routes failed: {}", device.name(), e.getMessage());
            RouteState r = routes;
            try {
                if (r.file() != null && Files.isRegularFile(r.file())) {
                    // What was recorded before the failure (a command interrupted by close) is removed with the rest.
                    routes = RouteState.load(r.file());
                }
            } catch (IOException unreadable) {
                e.addSuppressed(unreadable);
            }
        }
    }

    /** Binds a listener on {@code address} on the lane's loop; its children stay on that loop. */
    private int listen(Lane lane, InetAddress address, Tunnel tunnel,
                       DescriptorShortage shortage) throws IOException {
        ServerSocketChannel server = platform.newServerSocketChannel();
        server.config().setOption(ChannelOption.SO_BACKLOG, 4096);
        server.config().setOption(ChannelOption.SO_REUSEADDR, true);
        // As many accepts per loop turn as the turn's packet reads can complete handshakes: with Netty's 16, a burst
        // of connects (bench/idle-flows.sh, 9,800 at once) overflowed the 4,096 backlog once the accepted flows were
        // dialled on this loop too (15,378 ListenOverflows, the flows up only after SYN-ACK retries).
        server.config().setRecvByteBufAllocator(new ServerChannelRecvByteBufAllocator().maxMessagesPerRead(READ_BUDGET));
        server.pipeline().addLast(shortage.acceptGuard(), new Acceptor(lane, tunnel));
        await(lane.loop.register(server), "register listener");
        lane.listeners.add(server);
        await(server.bind(new InetSocketAddress(address, 0)), "bind listener on " + address.getHostAddress());
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /**
     * Hands accepted connections to the tunnel: runs on the lane's loop, where its NAT table lives. The connection
     * stays on this loop (and the tunnel dials its outbound here): every packet of it crosses the lane's queue, which
     * this loop reads and writes, so on the workers each packet woke a second thread. Measured on TUN -> DIRECT setup
     * with one queue: epoll waits 8 -> 5.4 and futex wakes 1.8 -> 0.7 per connection (strace -c -f); CPU per
     * connection 0.57x and 0.91x of before in two bench/setup-ab.sh runs (3 interleaved rounds each, load 24-44).
     */
    private static final class Acceptor extends ChannelInboundHandlerAdapter {
        private final Lane lane;
        private final Tunnel tunnel;

        Acceptor(Lane lane, Tunnel tunnel) {
            this.lane = lane;
            this.tunnel = tunnel;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            SystemStack stack = lane.engine;
            Metadata meta = stack == null ? null : stack.accepted(child);
            if (meta == null) {
                child.unsafe().closeForcibly();
                return;
            }
            // No TCP_NODELAY here: Netty's socket channels start with Nagle off on every transport (its config sets
            // it when the channel is made), and setting it again was one more setsockopt per connection.
            try {
                child.config().setOption(ChannelOption.AUTO_READ, false);
            } catch (RuntimeException e) {
                log.debug("option on accepted tun connection: {}", e.toString());
            }
            Relay.readsGrowToBulk(child);
            Relay.holdEarlyInput(child);
            ctx.channel().eventLoop().register(child).addListener(f -> {
                if (!f.isSuccess()) {
                    log.warn("cannot register a tun connection: {}", f.cause().toString());
                    child.unsafe().closeForcibly();
                    return;
                }
                tunnel.routeStream(child, meta, StreamReadiness.SILENT);
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Other accept errors must not close the listener either (running out of descriptors is taken before
            // this, by the shortage's guard); Netty retries on the next event.
            log.warn("tun listener: {}", cause.toString());
        }
    }

    private void readPackets(Lane lane) {
        SystemStack stack = lane.engine;
        TunQueue queue = lane.queue;
        long address = stack.inputAddress();
        int capacity = stack.inputCapacity();
        stack.setNow(System.nanoTime() / 1_000_000);
        for (int i = 0; i < READ_BUDGET; i++) {
            int n;
            try {
                n = queue.read(address, capacity);
            } catch (IOException e) {
                log.warn("tun read failed: {}", e.toString());
                return;
            }
            if (n <= 0) {
                if (n < 0) {
                    log.warn("tun device {} is gone", device.name());
                }
                return;
            }
            stack.process(n);
        }
    }

    /** The options it runs with: the configured ones, the MTU settled (the platform's when none was named). */
    public TunOptions options() {
        return options;
    }

    /** The device's name, e.g. {@code turnout0}. */
    public String deviceName() {
        return device.name();
    }

    /**
     * The physical interface Turnout's own sockets must be bound to now: {@code interface-name} if set, else
     * the auto-detected one (followed while running), else null (do not bind).
     */
    public String outboundInterface() {
        if (options.interfaceName() != null) {
            return options.interfaceName();
        }
        InterfaceWatcher w = watcher;
        return w == null ? null : w.current();
    }

    /**
     * Tells {@code listener}, on the watcher's thread, the auto-detected interface after each change (null: no
     * default route); nothing with {@code interface-name} or without auto-detect-interface.
     */
    public void whenOutboundInterfaceChanges(Consumer<String> listener) {
        interfaceChanges = listener;
    }

    /**
     * Whether an unbound socket of Turnout's own would be captured by its TUN: with auto-route, while the followed
     * default route is gone ({@link #outboundInterface()} null). Dialling then must fail rather than loop.
     */
    public boolean capturesOwnSockets() {
        return options.autoRoute() && watcher != null;
    }

    /** The routes installed, or null without auto-route. */
    public RouteState routes() {
        return routes;
    }

    /** Packets read on one lane and handed to the lane owning their flow, all lanes together. */
    long handedOff() {
        return sumOverLanes(SystemStack::handedOff);
    }

    /** TCP flows whose rewriting the lanes gave to the kernel ({@link KernelNat}), since start. */
    long kernelFlows() {
        return sumOverLanes(SystemStack::kernelFlows);
    }

    private long sumOverLanes(ToLongFunction<SystemStack> count) {
        long sum = 0;
        for (Lane lane : lanes) {
            SystemStack stack = lane.engine;
            sum += stack == null ? 0 : count.applyAsLong(stack);
        }
        return sum;
    }

    /** Runs {@code work} with lane {@code index}'s queue on that lane's loop, as the lane's own work runs. */
    io.netty.util.concurrent.Future<?> onLane(int index, Consumer<TunQueue> work) {
        Lane lane = lanes.get(index);
        return lane.loop.submit(() -> work.accept(lane.queue));
    }

    /** How many lanes (queues, each with its loop) the device is served by. */
    int laneCount() {
        return lanes.size();
    }

    /** Counters since start, of all lanes. */
    public TunStats stats() {
        TunStats sum = null;
        for (Lane lane : lanes) {
            SystemStack stack = lane.engine;
            if (stack == null) {
                return null;
            }
            sum = sum == null ? stack.stats() : sum.plus(stack.stats());
        }
        return sum;
    }

    /**
     * Gives the system's DNS back and removes the routes first (so traffic goes back to normal at once), then
     * stops the engine and closes the device. Idempotent; safe from a shutdown hook.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ScheduledExecutorService check = routeCheck;
        if (check != null) {
            check.shutdownNow();
            try {
                // A putting back under way must not add a route after the removal below.
                check.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        RouteState r = routes;
        if (r != null) {
            boolean dnsRestored = true;
            try {
                platform.restoreSystemDns(r).forEach(line -> log.info("system DNS: {}", line));
            } catch (IOException e) {
                dnsRestored = false;
                log.warn("restoring the system's DNS failed ({}); run 'turnout cleanup'", e.getMessage());
            }
            try {
                platform.removeRoutes(r);
                if (r.file() != null && dnsRestored) {
                    Files.deleteIfExists(r.file());
                } else if (r.file() != null) {
                    // keep the DNS records for turnout cleanup; the routes are gone
                    r.withoutRoutes().save();
                }
            } catch (IOException e) {
                log.warn("removing tun routes failed ({}); run 'turnout cleanup'", e.getMessage());
            }
        }
        InterfaceWatcher w = watcher;
        if (w != null) {
            w.close();
        }
        for (int i = 0; i < lanes.size(); i++) {
            Lane lane = lanes.get(i);
            int index = i;
            try {
                lane.loop.submit(() -> {
                    if (lane.sweeper != null) {
                        lane.sweeper.cancel(false);
                    }
                    for (Channel l : lane.listeners) {
                        l.close();
                    }
                    SystemStack stack = lane.engine;
                    if (stack != null) {
                        if (lanes.size() > 1) {
                            // How well the kernel kept flows on their queue: hand-offs should be a few per flow.
                            log.info("tun queue {}: {} packets processed, {} handed to the queue owning their flow",
                                    index, stack.stats().packetsIn(), stack.handedOff());
                        }
                        stack.close();
                    }
                }).await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.debug("tun loop already stopped: {}", e.toString());
            }
        }
        // The lanes' threads stop before the queues' descriptors close: a lane still running (a UDP answer arriving,
        // a read under way) would read or write a closed descriptor's number, which another thread may have just
        // been given for a socket of its own (see DatagramReadsEndAtClose for what that did elsewhere).
        packetGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        closeQuietly(device, platform, addresses(options));
    }

    private static List<IpPrefix> addresses(TunOptions options) {
        List<IpPrefix> addresses = new ArrayList<>();
        if (options.inet4Address() != null) {
            addresses.add(options.inet4Address());
        }
        if (options.inet6Address() != null) {
            addresses.add(options.inet6Address());
        }
        return addresses;
    }

    /** Closes the device and, when it is persistent, gives it back as Turnout found it. */
    private static void closeQuietly(TunDevice device, Platform platform, List<IpPrefix> addresses) {
        try {
            device.close();
        } catch (IOException e) {
            log.warn("closing tun device: {}", e.toString());
        }
        if (device.persistent()) {
            try {
                platform.giveBack(device, addresses);
                log.info("tun {}: the persistent device is left as Turnout found it", device.name());
            } catch (IOException e) {
                log.warn("tun {}: {}", device.name(), e.getMessage());
            }
        }
    }

    private static void await(io.netty.util.concurrent.Future<?> f, String what) throws IOException {
        if (!f.awaitUninterruptibly(10, TimeUnit.SECONDS)) {
            throw new IOException(what + ": timed out");
        }
        if (!f.isSuccess()) {
            throw new IOException(what + ": " + f.cause().getMessage(), f.cause());
        }
    }
}
