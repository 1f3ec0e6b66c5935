package dev.turnout.host.platform.macos;

import com.sun.jna.LastErrorException;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.platform.RouteCleanup;
import dev.turnout.host.platform.RouteMonitor;
import dev.turnout.host.platform.RouteRemoval;
import dev.turnout.host.platform.RoutePlan;
import dev.turnout.host.platform.RouteState;
import dev.turnout.host.platform.SystemCommand;
import dev.turnout.host.platform.SystemDnsCapture;
import dev.turnout.host.platform.TunDevice;
import io.netty.channel.Channel;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.kqueue.KQueueServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * macOS: a utun device through a kernel-control socket ({@link MacTunDevice}), addresses and routes through
 * {@code ifconfig} and {@code route} ({@link MacRouteCommands} builds the lines, and explains the ClashX
 * route table), the physical interface from {@code route -n get default}, and {@code IP_BOUND_IF} /
 * {@code IPV6_BOUND_IF} for Turnout's own sockets.
 *
 * <p>Nothing here touches native code until a method is called: the class loads and constructs on Linux
 * (the tests do), where {@link #supportsTun()} is false.
 *
 * <p><b>Not yet verified on a real Mac</b>: the struct layouts, constants and command lines are checked
 * against macOS's headers and tools in the Linux tests, and the packet path runs there over a socketpair;
 * opening a utun and routing through it has not been run.
 */
public final class MacPlatform implements Platform {

    private static final Logger log = LoggerFactory.getLogger(MacPlatform.class);

    @Override
    public String name() {
        return "macos";
    }

    /** mihomo's default: utun's largest MTU is not known here (not verified on a Mac). */
    @Override
    public int defaultTunMtu() {
        return 9000;
    }

    @Override
    public boolean supportsTun() {
        return com.sun.jna.Platform.isMac();
    }

    @Override
    public TunDevice openTun(String requestedName, boolean offload) throws IOException {
        if (!supportsTun()) {
            throw new IOException("utun devices exist only on macOS");
        }
        return MacTunDevice.open(requestedName);
    }

    @Override
    public void configure(TunDevice device, List<IpPrefix> addresses, int mtu) throws IOException {
        List<List<String>> cmds;
        try {
            cmds = MacRouteCommands.configure(device.name(), addresses, mtu);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        for (List<String> cmd : cmds) {
            SystemCommand.Result r = run(cmd);
            // The subnet route may already be there (the kernel added it with the address): fine.
            if (!r.ok() && !("route".equals(cmd.get(0)) && r.output().contains("File exists"))) {
                throw new IOException(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.output());
            }
        }
    }

    @Override
    public RouteState installRoutes(TunDevice device, RoutePlan plan, RouteState recorded) throws IOException {
        List<String> records;
        try {
            records = MacRouteCommands.splitRouteRecords(device.name(), plan);
        } catch (IllegalArgumentException e) {
            RouteCleanup.afterFailedInstall(this, recorded, e);
            throw new IOException(e.getMessage(), e);
        }
        RouteState state = recorded;
        try {
            for (String record : records) {
                // Recorded before it is added: a crash in between leaves a record of a route that may not
                // exist, which removal tolerates; the reverse would leave an unrecorded route.
                state = state.withRoute(record);
                state.save();
                List<String> cmd = MacRouteCommands.add(record);
                SystemCommand.Result r = run(cmd);
                if (!r.ok()) {
                    state = state.withoutRoute(record);
                    state.save();
                    throw new IOException(String.join(" ", cmd) + " failed: " + r.output()
                            + (r.output().contains("File exists") ? " (another VPN or TUN app holds this route?)" : ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            RouteCleanup.afterFailedInstall(this, state, e);
            throw e;
        }
        return state;
    }

    @Override
    public RouteRemoval removeRoutes(RouteState state) throws IOException {
        IOException failure = null;
        List<String> removed = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        List<String> records = new ArrayList<>(state.routes());
        Collections.reverse(records);
        for (String record : records) {
            IOException e = null;
            try {
                SystemCommand.Result r = run(MacRouteCommands.delete(record));
                if (r.ok()) {
                    removed.add(record);
                } else if (alreadyGone(r.output(), state.device())) {
                    gone.add(record);
                } else {
                    e = new IOException("route -n delete " + record + " failed: " + r.output());
                }
            } catch (IllegalArgumentException bad) {
                e = new IOException(bad.getMessage(), bad);
            }
            if (e != null) {
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
     * Runs {@code cmd}, whose first element is {@code ifconfig} or {@code route}, from {@code /sbin} (where
     * macOS keeps both). As on Linux, configuration is a handful of commands at start and stop, and a user can
     * run the same lines to check or undo what Turnout did; a routing socket through JNA would only save a few
     * process starts.
     */
    private static SystemCommand.Result run(List<String> cmd) throws IOException {
        List<String> full = new ArrayList<>(cmd);
        full.set(0, SystemCommand.locate(cmd.get(0), "/sbin", "/usr/sbin"));
        return SystemCommand.run(full);
    }

    /**
     * {@code not in table}: the route is gone (it went with its utun, which macOS deletes when Turnout's
     * socket closes). {@code bad address: utunN}: the device itself is gone, and its routes with it.
     */
    static boolean alreadyGone(String output, String device) {
        return output.contains("not in table") || output.contains("bad address: " + device);
    }

    /** Every enabled network service's DNS server set to {@code server} ({@link MacSystemDns}). */
    @Override
    public SystemDnsCapture captureSystemDns(TunDevice device, InetAddress server, Predicate<InetAddress> captured,
                                             boolean routesEverything, RouteState state) throws IOException {
        return MacSystemDns.system().capture(server, state);
    }

    @Override
    public List<String> restoreSystemDns(RouteState state) throws IOException {
        return MacSystemDns.system().restore(state);
    }

    @Override
    public Optional<String> defaultInterface(List<String> ignoring) {
        for (List<String> cmd : List.of(List.of("route", "-n", "get", "default"),
                List.of("route", "-n", "get", "-inet6", "default"))) {
            try {
                SystemCommand.Result r = run(cmd);
                Optional<String> name = r.ok() ? RouteGetOutput.interfaceName(r.output()) : Optional.empty();
                if (name.isPresent() && !ignoring.contains(name.get())) {
                    return name;
                }
            } catch (IOException e) {
                log.debug("{} failed: {}", String.join(" ", cmd), e.toString());
            }
        }
        return Optional.empty();
    }

    /** The routing socket ({@link MacRouteMonitor}), on macOS; elsewhere none (the Linux tests construct one). */
    @Override
    public Optional<RouteMonitor> openRouteMonitor() throws IOException {
        return supportsTun() ? Optional.of(MacRouteMonitor.open()) : Optional.empty();
    }

    @Override
    public void bindToInterface(Channel channel, String ifName) throws IOException {
        bind(channel, ifName, MacPlatform::isIpv6, MacPlatform::interfaceIndex);
    }

    /** A socket's family from its descriptor (true: IPv6). */
    @FunctionalInterface
    interface SocketFamily {
        boolean isIpv6(int fd) throws IOException;
    }

    /** An interface's index from its name. */
    @FunctionalInterface
    interface InterfaceIndex {
        int of(String ifName) throws IOException;
    }

    /**
     * Sets {@code IP_BOUND_IF} or {@code IPV6_BOUND_IF}, whichever matches the descriptor's family, to the
     * interface's index, through the channel's own option call (kqueue channels pass it to {@code setsockopt});
     * any failure is an {@link IOException}, so the caller's connect fails rather than going out unbound.
     */
    static void bind(Channel channel, String ifName, SocketFamily family, InterfaceIndex index) throws IOException {
        if (!(channel instanceof UnixChannel unix)) {
            throw new IOException("cannot bind " + channel.getClass().getSimpleName() + " to " + ifName
                    + ": only Netty's native kqueue channels carry IP_BOUND_IF (is the kqueue transport loaded?)");
        }
        boolean ipv6 = family.isIpv6(unix.fd().intValue());
        int ifIndex = index.of(ifName);
        boolean set;
        try {
            set = channel.config().setOption(BoundIf.option(ipv6), ifIndex);
        } catch (RuntimeException e) {
            throw new IOException(BoundIf.option(ipv6).name() + " " + ifName + " failed: " + e.getMessage(), e);
        }
        if (!set) {
            throw new IOException(BoundIf.option(ipv6).name() + " not supported by " + channel.getClass().getSimpleName());
        }
    }

    @Override
    public void bindToInterface(int socketFd, boolean ipv6, String ifName) throws IOException {
        int index = interfaceIndex(ifName);
        try {
            MacLibC.setsockopt(socketFd, BoundIf.level(ipv6), BoundIf.optionName(ipv6), new int[] {index}, Integer.BYTES);
        } catch (LastErrorException e) {
            throw new IOException(BoundIf.option(ipv6).name() + " " + ifName + " failed (errno " + e.getErrorCode() + ")", e);
        }
    }

    /** The socket's own family, from {@code getsockname} (an unconnected socket still reports it). */
    private static boolean isIpv6(int fd) throws IOException {
        byte[] addr = new byte[128]; // sizeof(struct sockaddr_storage)
        int[] len = {addr.length};
        try {
            MacLibC.getsockname(fd, addr, len);
            return BoundIf.isIpv6(addr, len[0]);
        } catch (LastErrorException e) {
            throw new IOException("getsockname failed (errno " + e.getErrorCode() + ")", e);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** {@code if_nametoindex}, looked up at each call: an interface that comes back may get a new index. */
    static int interfaceIndex(String ifName) throws IOException {
        if (ifName == null || !ifName.matches("[A-Za-z][A-Za-z0-9_.-]{0,14}")) {
            throw new IOException("bad interface name: '" + ifName + "'");
        }
        int index = MacLibC.if_nametoindex(ifName);
        if (index == 0) {
            throw new IOException("no interface named " + ifName);
        }
        return index;
    }

    /**
     * kqueue loops where the native transport loads (it ships for Intel and Apple silicon), the same transport as
     * the host's workers and dialer ({@code dev.turnout.host.dial.Transport}), so the TUN listener's connections can
     * be handed over and Turnout's own sockets are kqueue channels that carry {@code IP_BOUND_IF}. NIO otherwise
     * (then binding fails closed with a message). The utun is watched by {@link PollReadiness}, which works with
     * any loop.
     */
    @Override
    public IoEventLoopGroup newEventLoopGroup(int threads, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true),
                Transport.isKQueue() ? KQueueIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Of the same transport as {@link #newEventLoopGroup}: its children are registered with the host's workers. */
    @Override
    public ServerSocketChannel newServerSocketChannel() {
        return Transport.isKQueue() ? new KQueueServerSocketChannel() : new NioServerSocketChannel();
    }
}
