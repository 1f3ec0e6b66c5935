package dev.turnout.host.platform.linux;

import com.sun.jna.LastErrorException;
import dev.turnout.host.dial.RearmingEpollIoHandler;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.platform.RouteCleanup;
import dev.turnout.host.platform.RouteRemoval;
import dev.turnout.host.platform.RoutePlan;
import dev.turnout.host.platform.RouteMonitor;
import dev.turnout.host.platform.RouteState;
import dev.turnout.host.platform.SocketOwners;
import dev.turnout.host.platform.SystemCommand;
import dev.turnout.host.platform.SystemDnsCapture;
import dev.turnout.host.platform.TunDevice;
import io.netty.channel.Channel;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Linux: TUN through {@code /dev/net/tun}, addresses and routes through {@code ip} (see {@link IpCommand} for
 * why), the physical interface from {@code /proc/net/route}, and SO_BINDTODEVICE for Turnout's own sockets.
 *
 * <h2>Why split routes, not a policy table</h2>
 * auto-route adds {@code 0.0.0.0/1} and {@code 128.0.0.0/1} (and {@code ::/1}, {@code 8000::/1}) through the
 * TUN in the main table. They are more specific than the default route, which stays untouched, and they
 * belong to the TUN device: when Turnout dies, even by {@code kill -9}, the kernel deletes the device and
 * with it these routes, so a crash can never leave the machine without working routes (ip rules, as
 * sing-box uses, outlive the process and black-hole traffic until removed). Turnout's own sockets escape with
 * SO_BINDTODEVICE: a bound socket's route lookup only considers routes through that device, so the split
 * routes are skipped and the physical interface's default route is used (checked by
 * {@code TunNamespaceIT}). Routes more specific than /1 through other interfaces (a LAN's /24, a VPN) keep
 * winning, which is usually what users want. The one exception, rules only lookups that name the uplink match, is
 * the IPv6 path-MTU table ({@link PathMtuTable}): recorded, removed on exit and by {@code turnout cleanup}, and
 * what a killed Turnout left is removed at the next start.
 */
public final class LinuxPlatform implements Platform {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LinuxPlatform.class);

    private static final List<IpPrefix> SPLIT4 = List.of(IpPrefix.parse("0.0.0.0/1"), IpPrefix.parse("128.0.0.0/1"));
    private static final List<IpPrefix> SPLIT6 = List.of(IpPrefix.parse("::/1"), IpPrefix.parse("8000::/1"));

    private static final LinuxSocketOwners OWNERS = new LinuxSocketOwners();

    private static final RawUnixChannelOption SO_BINDTODEVICE =
            new RawUnixChannelOption("SO_BINDTODEVICE", LibC.SOL_SOCKET, LibC.SO_BINDTODEVICE, LibC.IFNAMSIZ);
    /** netfilter's {@code SO_ORIGINAL_DST} (linux/netfilter_ipv4.h): a {@code struct sockaddr_in}. */
    private static final RawUnixChannelOption SO_ORIGINAL_DST = new RawUnixChannelOption("SO_ORIGINAL_DST", 0, 80, 16);
    /** linux/in6.h's {@code IPV6_TRANSPARENT} at {@code SOL_IPV6}. */
    private static final io.netty.channel.unix.IntegerUnixChannelOption IPV6_TRANSPARENT =
            new io.netty.channel.unix.IntegerUnixChannelOption("IPV6_TRANSPARENT", 41, 75);
    /** linux/in6.h's {@code IPV6_RECVORIGDSTADDR} at {@code SOL_IPV6}. */
    private static final io.netty.channel.unix.IntegerUnixChannelOption IPV6_RECVORIGDSTADDR =
            new io.netty.channel.unix.IntegerUnixChannelOption("IPV6_RECVORIGDSTADDR", 41, 74);
    /** {@code IP6T_SO_ORIGINAL_DST} at {@code SOL_IPV6}: a {@code struct sockaddr_in6}. */
    private static final RawUnixChannelOption IP6T_SO_ORIGINAL_DST =
            new RawUnixChannelOption("IP6T_SO_ORIGINAL_DST", 41, 80, 28);

    @Override
    public String name() {
        return "linux";
    }

    /**
     * The largest a TUN takes. In bench/tun.sh a single stream through the TUN moved about 1.5x what it did at
     * 9000 without offload, and still 1.2x with it (fewer segments and acknowledgements cross the device).
     */
    @Override
    public int defaultTunMtu() {
        return 65535;
    }

    @Override
    public boolean supportsTun() {
        return Epoll.isAvailable() && Files.exists(Path.of("/dev/net/tun"));
    }

    /**
     * Packets the kernel holds for each queue of the TUN until Turnout reads them: an Ethernet device's and a veth's
     * 1,000, where a TUN's own 500 dropped what an application sent faster than Turnout read: of a burst of 2,000
     * datagrams of 1,000 bytes, 895, 1,612 and 1,912 reached the server at 500, and 1,943, 1,944 and 2,001 at 1,000
     * (alternated, one run). A limit, like the relay sockets' receive buffers: nothing is held while Turnout keeps up.
     */
    static final int TUN_QUEUE_PACKETS = 1000;

    @Override
    public TunDevice openTun(String requestedName, boolean offload) throws IOException {
        return LinuxTunDevice.open(requestedName, offload, 1);
    }

    @Override
    public TunDevice openTun(String requestedName, boolean offload, int queues) throws IOException {
        return LinuxTunDevice.open(requestedName, offload, queues);
    }

    @Override
    public void configure(TunDevice device, List<IpPrefix> addresses, int mtu) throws IOException {
        String dev = device.name();
        IpCommand.check(List.of("link", "set", "dev", dev, "mtu", Integer.toString(mtu),
                "txqueuelen", Integer.toString(TUN_QUEUE_PACKETS)));
        for (IpPrefix a : addresses) {
            List<String> args = new ArrayList<>(List.of(a.version() == 4 ? "-4" : "-6", "addr", "add", a.toString(), "dev", dev));
            if (a.version() == 6) {
                // A TUN has no neighbours to clash with: skip duplicate address detection, which would
                // otherwise keep the address "tentative" (unusable for bind) for a second or more.
                args.add("nodad");
            }
            SystemCommand.Result r = IpCommand.run(args);
            if (!r.ok() && !(device.persistent() && alreadyAssigned(r.output()))) {
                throw new IOException("ip " + String.join(" ", args) + " failed (" + r.exit() + "): " + r.output());
            }
        }
        if (device.persistent()) {
            // The device outlives Turnout, and so do its routes: after a kill -9 they stayed, and the kernel went on
            // using them (marked linkdown, the carrier gone with the last queue), every packet of the machine into a
            // device nobody reads. Ignored while the link is down, traffic takes the default route again.
            try {
                setLinkdownSysctl("ipv4", dev, 1);
                setLinkdownSysctl("ipv6", dev, 1);
            } catch (IOException e) {
                // A read-only /proc/sys (a container) must not keep the TUN from starting: it only loses the fallback.
                log.warn("tun {}: cannot set ignore_routes_with_linkdown ({}): should Turnout die, its routes would hold "
                        + "the traffic until 'turnout cleanup'", dev, e.getMessage());
            }
        }
        IpCommand.check(List.of("link", "set", "dev", dev, "up"));
    }

    /** {@code net/<family>/conf/<device>/ignore_routes_with_linkdown}, or {@link LinuxTunDevice.Found#ABSENT}. */
    static int linkdownSysctl(String family, String device) {
        try {
            return Integer.parseInt(Files.readString(linkdownPath(family, device)).strip());
        } catch (IOException | NumberFormatException e) {
            return LinuxTunDevice.Found.ABSENT;
        }
    }

    private static void setLinkdownSysctl(String family, String device, int value) throws IOException {
        Path p = linkdownPath(family, device);
        if (value != LinuxTunDevice.Found.ABSENT && Files.exists(p)) {
            Files.writeString(p, Integer.toString(value));
        }
    }

    private static Path linkdownPath(String family, String device) {
        return Path.of("/proc/sys/net", family, "conf", device, "ignore_routes_with_linkdown");
    }

    /**
     * {@code ip addr add}'s words for an address the device has already: IPv4's ("File exists"), then IPv6's, which
     * kernels write "Address already assigned" or "ipv6: address already assigned" (6.18 here: the TUN's default IPv6
     * address on a persistent device a killed Turnout left stopped the next start).
     */
    static boolean alreadyAssigned(String output) {
        return output.toLowerCase(java.util.Locale.ROOT).contains("address already assigned")
                || output.contains("File exists");
    }

    @Override
    public void giveBack(TunDevice device, List<IpPrefix> addresses) throws IOException {
        if (!(device instanceof LinuxTunDevice tun) || tun.found() == null) {
            return;
        }
        giveBack(device.name(), tun.found(), addresses);
    }

    @Override
    public String recordFound(TunDevice device, List<IpPrefix> addresses, String earlier) {
        if (!(device instanceof LinuxTunDevice tun) || tun.found() == null) {
            return null;
        }
        if (earlier != null) {
            tun.foundBefore(LinuxTunDevice.Found.parse(earlier));
        }
        StringBuilder sb = new StringBuilder(tun.found().record());
        addresses.forEach(a -> sb.append(" addr ").append(a));
        return sb.toString();
    }

    @Override
    public void giveBack(String device, String found) throws IOException {
        LinuxTunDevice.Found f = LinuxTunDevice.Found.parse(found);
        if (f == null) {
            throw new IOException("unreadable record of tun " + device + ": " + found);
        }
        if (!Files.exists(Path.of("/sys/class/net", device))) {
            return; // deleted since: nothing to give back
        }
        List<IpPrefix> addresses = new ArrayList<>();
        String[] w = found.trim().split("\\s+");
        for (int i = 0; i + 1 < w.length; i++) {
            if (w[i].equals("addr")) {
                addresses.add(IpPrefix.parse(w[i + 1]));
            }
        }
        giveBack(device, f, addresses);
    }

    private void giveBack(String dev, LinuxTunDevice.Found found, List<IpPrefix> addresses) throws IOException {
        IOException failure = null;
        for (IpPrefix a : addresses) {
            SystemCommand.Result r = IpCommand.run(List.of(a.version() == 4 ? "-4" : "-6", "addr", "del", a.toString(),
                    "dev", dev));
            if (!r.ok() && !r.output().contains("Cannot assign requested address") && failure == null) {
                failure = new IOException("ip addr del " + a + " dev " + dev + " failed: " + r.output());
            }
        }
        SystemCommand.Result r = IpCommand.run(List.of("link", "set", "dev", dev, "mtu", Integer.toString(found.mtu()),
                "txqueuelen", Integer.toString(found.txQueueLength()), found.up() ? "up" : "down"));
        if (!r.ok() && failure == null) {
            failure = new IOException("ip link set dev " + dev + " failed: " + r.output());
        }
        try {
            setLinkdownSysctl("ipv4", dev, found.linkdown4());
            setLinkdownSysctl("ipv6", dev, found.linkdown6());
        } catch (IOException e) {
            if (failure == null) {
                failure = new IOException("tun " + dev + ": putting back ignore_routes_with_linkdown failed: "
                        + e.getMessage(), e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public RouteState installRoutes(TunDevice device, RoutePlan plan, RouteState recorded) throws IOException {
        String dev = device.name();
        RouteState state = recorded;
        try {
            for (int family : plan.families()) {
                for (IpPrefix prefix : plan.prefixes(family, family == 4 ? SPLIT4 : SPLIT6)) {
                    String route = (family == 4 ? "-4 " : "-6 ") + prefix + " dev " + dev;
                    // Recorded before it is added: a crash in between leaves a record of a route that may not
                    // exist, which cleanup tolerates; the reverse would leave an unrecorded route.
                    state = state.withRoute(route);
                    state.save();
                    SystemCommand.Result r = addRoute(route, IpCommand::run);
                    if (!r.ok()) {
                        state = state.withoutRoute(route);
                        state.save();
                        throw new IOException("ip route add " + prefix + " dev " + dev + " failed: " + r.output());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            RouteCleanup.afterFailedInstall(this, state, e);
            throw e;
        }
        return state;
    }

    @Override
    public List<String> restoreDroppedRoutes(TunDevice device, RouteState state) throws IOException {
        if (DroppedRoutes.system().missing(state.routes()).isEmpty()) {
            return List.of();
        }
        IpCommand.check(List.of("link", "set", "dev", device.name(), "up"));
        // All of them: a table's route (the port-53 rule's) went with the others, and the proc files do not show it.
        // Not the path-MTU table's copies: they go via the uplink, not the TUN, and followUplink keeps them.
        List<String> back = new ArrayList<>();
        for (String route : state.routes().stream().filter(r -> !PathMtuTable.isCopy(r)).toList()) {
            SystemCommand.Result r = addRoute(route, IpCommand::run);
            if (!r.ok()) {
                throw new IOException("ip route add " + route + " failed: " + r.output());
            }
            back.add(route);
        }
        return back;
    }

    /** What each device's path-MTU table was last made for ({@link #followUplink}), so an unchanged one costs no process. */
    private final java.util.Map<String, String> followed = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The IPv6 path-MTU table ({@link PathMtuTable}) for the IPv6 routes {@code plan} puts through the TUN. Made again
     * only when the uplink, main's IPv6 default routes ({@code /proc/net/ipv6_route}: read each time, a process run
     * only when they changed) or the records changed; an MTU change alone of main's default route is followed with
     * the next change of it.
     */
    @Override
    public RouteState followUplink(TunDevice device, RoutePlan plan, String uplink, RouteState state)
            throws IOException {
        List<IpPrefix> throughTun6 = plan.families().contains(6) ? plan.prefixes(6, SPLIT6) : List.of();
        int passedOver = PathMtuTable.passedOver(throughTun6);
        // Where nothing can be made (no uplink, no IPv6 through the TUN) its routes do not matter: not read every 3 s.
        String seen = uplink + " " + passedOver + (uplink == null || passedOver < 0 ? ""
                : " " + ProcRoutes.defaults6(Path.of("/proc/net/ipv6_route")));
        String last = followed.get(device.name());
        if (last != null && last.equals(seen + state.routes() + state.dns())) {
            return state;
        }
        if (last == null && passedOver < 0 && !throughTun6.isEmpty()) {
            log.info("tun {}: IPv6 routes through it as long as /{} (route-address, route-exclude-address): no IPv6 "
                    + "path-MTU table, which could not pass over them without passing over the uplink's subnet; "
                    + "Turnout's own IPv6 UDP may not learn a smaller path MTU", device.name(),
                    throughTun6.stream().mapToInt(IpPrefix::prefixLength).max().orElse(0));
        }
        PathMtuTable table = new PathMtuTable(IpCommand::run);
        if (last == null && state.routes().stream().noneMatch(PathMtuTable::isCopy)) {
            table.clearLeftovers().forEach(line -> log.info("tun {}: removed what a Turnout killed without 'turnout "
                    + "cleanup' left: {}", device.name(), line));
        }
        RouteState now = table.follow(uplink, passedOver, state);
        followed.put(device.name(), seen + now.routes() + now.dns());
        return now;
    }

    @Override
    public RouteRemoval removeRoutes(RouteState state) throws IOException {
        followed.remove(state.device());
        IOException failure = null;
        List<String> removed = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        List<String> routes = new ArrayList<>(state.routes());
        java.util.Collections.reverse(routes);
        for (String route : routes) {
            SystemCommand.Result r = IpCommand.run(routeArgs("del", route));
            if (r.ok()) {
                removed.add(route);
            } else if (alreadyGone(r.output())) {
                gone.add(route);
            } else {
                IOException e = new IOException("ip route del " + route + " failed: " + r.output());
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return new RouteRemoval(removed, gone);
    }

    /**
     * Whether {@code ip route del}'s complaint means the route is not there any more: "No such process" (the
     * route is gone) or "Cannot find device" (the device vanished with Turnout, taking its routes).
     */
    static boolean alreadyGone(String output) {
        return output.contains("No such process") || output.contains("Cannot find device");
    }

    /** {@code -4 0.0.0.0/1 dev tun0} to {@code ip -4 route <verb> 0.0.0.0/1 dev tun0}. */
    /**
     * Adds {@code route} ({@link #routeArgs}' form) with {@code ip}, which runs {@code ip} with the arguments given. One
     * the table holds already through the same device counts as added: a persistent TUN keeps the routes of a
     * Turnout that was killed, and the next start was refused with "File exists".
     */
    static SystemCommand.Result addRoute(String route, SystemCommand.Runner ip) throws IOException {
        SystemCommand.Result r = ip.run(routeArgs("add", route));
        if (!r.ok() && r.output().contains("File exists")) {
            SystemCommand.Result same = ip.run(routeArgs("show", route));
            if (same.ok() && !same.output().isBlank()) {
                return new SystemCommand.Result(0, same.output());
            }
        }
        return r;
    }

    static List<String> routeArgs(String verb, String route) {
        String[] parts = route.trim().split("\\s+");
        List<String> args = new ArrayList<>();
        args.add(parts[0]);
        args.add("route");
        args.add(verb);
        args.addAll(Arrays.asList(parts).subList(1, parts.length));
        return args;
    }

    @Override
    public SystemDnsCapture captureSystemDns(TunDevice device, InetAddress server, Predicate<InetAddress> captured,
                                             boolean routesEverything, RouteState state) throws IOException {
        return LinuxSystemDns.system().capture(device.name(), server, captured, routesEverything, state);
    }

    @Override
    public List<String> restoreSystemDns(RouteState state) throws IOException {
        return LinuxSystemDns.system().restore(state);
    }

    /** Not when the system disabled IPv6 on it ({@code net.ipv6.conf.DEV.disable_ipv6}, or no IPv6 at all). */
    @Override
    public boolean carriesIpv6(String device) {
        try {
            return "0".equals(Files.readString(Path.of("/proc/sys/net/ipv6/conf", device, "disable_ipv6")).strip());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Optional<RouteMonitor> openRouteMonitor() throws IOException {
        return Optional.of(LinuxRouteMonitor.open());
    }

    @Override
    public Optional<String> defaultInterface(List<String> ignoring) {
        try {
            Optional<String> v4 = ProcRoutes.defaultInterface4(Files.readAllLines(Path.of("/proc/net/route")), ignoring);
            if (v4.isPresent()) {
                return v4;
            }
            Path v6 = Path.of("/proc/net/ipv6_route");
            return Files.exists(v6) ? ProcRoutes.defaultInterface6(Files.readAllLines(v6), ignoring) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public void bindToInterface(Channel channel, String ifName) throws IOException {
        if (!(channel instanceof UnixChannel)) {
            throw new IOException("cannot bind " + channel.getClass().getSimpleName()
                    + " to " + ifName + ": only Netty's native epoll channels carry SO_BINDTODEVICE");
        }
        ByteBuffer value = ifName(ifName);
        boolean set;
        try {
            set = channel.config().setOption(SO_BINDTODEVICE, value);
        } catch (RuntimeException e) {
            throw new IOException("SO_BINDTODEVICE " + ifName + " failed: " + e.getMessage(), e);
        }
        if (!set) {
            throw new IOException("SO_BINDTODEVICE not supported by " + channel.getClass().getSimpleName());
        }
    }

    @Override
    public String redirectUnsupported() {
        return null;
    }

    @Override
    public String transparentUnsupported() {
        return Epoll.isAvailable() ? null : "tproxy-port needs Netty's native epoll transport, which did not load";
    }

    @Override
    public void makeTransparent(Channel channel, boolean ipv6, boolean destinations) throws IOException {
        if (!(channel instanceof UnixChannel)) {
            throw new IOException("tproxy-port needs Netty's native epoll channels for IP_TRANSPARENT");
        }
        // Netty sets SOL_IP's options; an IPv6 socket takes IPv6's as well for its IPv6 clients.
        boolean dualStack = ipv6;
        try {
            channel.config().setOption(io.netty.channel.epoll.EpollChannelOption.IP_TRANSPARENT, true);
            if (dualStack) {
                channel.config().setOption(IPV6_TRANSPARENT, 1);
            }
            if (destinations) {
                channel.config().setOption(io.netty.channel.epoll.EpollChannelOption.IP_RECVORIGDSTADDR, true);
                if (dualStack) {
                    channel.config().setOption(IPV6_RECVORIGDSTADDR, 1);
                }
            }
        } catch (RuntimeException e) {
            String why = String.valueOf(e.getMessage());
            throw new IOException("IP_TRANSPARENT refused (" + why + ")" + (why.contains("not permitted")
                    ? ": tproxy-port needs root or CAP_NET_ADMIN" : ""), e);
        }
    }

    @Override
    public AutoCloseable readTransparentIpv6(java.net.InetSocketAddress address,
            dev.turnout.host.platform.TransparentReceiver receiver) throws IOException {
        return TransparentIpv6Reader.open(address, receiver);
    }

    @Override
    public java.net.InetSocketAddress originalDestination(Channel accepted) throws IOException {
        if (!(accepted instanceof UnixChannel)) {
            throw new IOException("redir-port needs Netty's native epoll channels for SO_ORIGINAL_DST");
        }
        // An IPv4 client of a dual-stack socket has a mapped address, which Java gives as IPv4: SOL_IP's option.
        boolean v6 = ((java.net.InetSocketAddress) accepted.localAddress()).getAddress()
                instanceof java.net.Inet6Address;
        ByteBuffer raw;
        try {
            raw = accepted.config().getOption(v6 ? IP6T_SO_ORIGINAL_DST : SO_ORIGINAL_DST);
        } catch (RuntimeException e) {
            throw new IOException("not a redirected connection (SO_ORIGINAL_DST: " + e.getMessage() + ")", e);
        }
        if (raw == null) {
            throw new IOException("SO_ORIGINAL_DST not supported by " + accepted.getClass().getSimpleName());
        }
        return OriginalDestination.decode(raw);
    }

    @Override
    public void bindToInterface(int socketFd, boolean ipv6, String ifName) throws IOException {
        ByteBuffer value = ifName(ifName);
        byte[] bytes = new byte[LibC.IFNAMSIZ];
        value.get(bytes);
        try {
            LibC.setsockopt(socketFd, LibC.SOL_SOCKET, LibC.SO_BINDTODEVICE, bytes, bytes.length);
        } catch (LastErrorException e) {
            throw new IOException("SO_BINDTODEVICE " + ifName + " failed (errno " + e.getErrorCode() + ")", e);
        }
    }

    /**
     * The name NUL-padded to IFNAMSIZ, as a view of its own (the option consumes it) of a buffer made once per
     * name: every outbound connection is bound, and a direct buffer per connection cost its zeroing and a cleaner.
     */
    private static ByteBuffer ifName(String ifName) throws IOException {
        NamedBuffer cached = lastIfName;
        if (cached == null || !cached.name.equals(ifName)) {
            byte[] name = ifName.getBytes(StandardCharsets.US_ASCII);
            if (name.length == 0 || name.length >= LibC.IFNAMSIZ) {
                throw new IOException("bad interface name: '" + ifName + "'");
            }
            ByteBuffer b = ByteBuffer.allocateDirect(LibC.IFNAMSIZ);
            b.put(name);
            b.position(0);
            cached = new NamedBuffer(ifName, b);
            lastIfName = cached;
        }
        return cached.buffer.duplicate();
    }

    /** An interface name and its buffer, never written after it is made: shared between threads through the volatile. */
    private record NamedBuffer(String name, ByteBuffer buffer) {
    }

    private static volatile NamedBuffer lastIfName;

    @Override
    public IoEventLoopGroup newEventLoopGroup(int threads, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true),
                RearmingEpollIoHandler.newFactory());
    }

    @Override
    public ServerSocketChannel newServerSocketChannel() {
        return new EpollServerSocketChannel();
    }

    /** sock_diag netlink for the socket's uid and inode, {@code /proc} for the process holding it. */
    @Override
    public SocketOwners socketOwners() {
        return OWNERS;
    }
}
