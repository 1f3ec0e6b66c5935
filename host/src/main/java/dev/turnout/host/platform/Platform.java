package dev.turnout.host.platform;

import io.netty.channel.Channel;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Everything Turnout needs from the operating system to run a TUN inbound, behind one OS-neutral seam.
 *
 * <p>Chosen once at start by {@link #current()}: {@code dev.turnout.host.platform.linux.LinuxPlatform} on
 * Linux, {@code dev.turnout.host.platform.macos.MacPlatform} on macOS once it exists, and
 * {@link PlatformUnsupported} elsewhere (every TUN operation then fails with a clear message, and the rest of
 * Turnout keeps working).
 *
 * <p>Contract for implementations:
 * <ul>
 *   <li>A {@link TunDevice} reads and writes plain IP packets (first byte's high nibble is 4 or 6); any
 *       per-OS framing (macOS's 4-byte address family) is added and stripped inside the device.</li>
 *   <li>Routes are installed only through {@link #installRoutes}, which records each route in a state file
 *       <em>before</em> adding it, so {@link RouteCleanup#cleanup(Path)} can remove exactly what was added,
 *       even after a crash. The default route is never touched.</li>
 *   <li>Sockets Turnout opens for itself leave through the physical interface: {@link #bindToInterface}
 *       fails closed (throws) when it cannot bind, so a connection is never made unbound by accident.</li>
 * </ul>
 */
public interface Platform {

    /** The implementation for the running OS; never null. */
    static Platform current() {
        return PlatformHolder.CURRENT;
    }

    /** A short OS name as written in route state files ({@code linux}, {@code macos}, ...). */
    String name();

    /** Whether {@link #openTun} can work here at all (right OS, native transport loadable). */
    boolean supportsTun();

    /**
     * Opens (creates) a TUN device.
     *
     * @param requestedName a fixed name ({@code turnout0}), a pattern the OS completes ({@code tun%d} on
     *     Linux), or null/empty for the OS's choice; macOS only accepts {@code utunN} or null
     * @param offload ask for checksum and segmentation offload (Linux: {@code IFF_VNET_HDR} and
     *     {@code TUNSETOFFLOAD}), so packets of up to 64 KiB cross the device whatever its MTU; where the
     *     system cannot, the device carries plain packets ({@link TunDevice#vnetHeaderLength()} says which)
     * @throws IOException when the device cannot be created (no permission, name taken, ...)
     */
    TunDevice openTun(String requestedName, boolean offload) throws IOException;

    /**
     * Opens a TUN device with up to {@code queues} queues ({@link TunDevice#queues()}), so that as many loops
     * can read it. Systems without multi-queue TUN (macOS's utun) open one; the count is fixed for the device's
     * life.
     */
    default TunDevice openTun(String requestedName, boolean offload, int queues) throws IOException {
        return openTun(requestedName, offload);
    }

    /**
     * The TUN MTU when the config sets none. Large, because TCP through the TUN is terminated on this machine:
     * the MTU never reaches the network, and a larger one means fewer segments and acknowledgements crossing
     * the device per byte.
     */
    int defaultTunMtu();

    /**
     * Assigns addresses (IPv4 and/or IPv6, with prefix), sets the MTU and brings the device up. On a
     * {@link TunDevice#persistent} device an address it already has (a killed Turnout's) is no error.
     */
    void configure(TunDevice device, List<IpPrefix> addresses, int mtu) throws IOException;

    /**
     * For a {@link TunDevice#persistent} device, after it is closed: removes the {@code addresses}
     * {@link #configure} gave it and puts back the settings it had. Nothing for a device that went with Turnout.
     */
    default void giveBack(TunDevice device, List<IpPrefix> addresses) throws IOException {
    }

    /**
     * For a {@link TunDevice#persistent} device, before {@link #configure}: what it is as found and the
     * {@code addresses} Turnout gives it, as the state file keeps it ({@link RouteState#found()}), so that
     * {@code turnout cleanup} and the next start give it back after a crash. {@code earlier} is the record a killed
     * Turnout's state file holds for this device (or null): what the device was before that run, which it is taken
     * to be now. Null for a device that goes with Turnout.
     */
    default String recordFound(TunDevice device, List<IpPrefix> addresses, String earlier) {
        return null;
    }

    /** {@link #giveBack(TunDevice, List)} from a state file's {@link #recordFound} record, after a crash. */
    default void giveBack(String device, String found) throws IOException {
    }

    /**
     * Installs routes that send the traffic {@code plan} names (for each IP version it captures: everything, or its
     * {@code route-address}, less its {@code route-exclude-address}) through {@code device} without touching the
     * default route. Each route is added to {@code recorded} (what this device's state file already holds: the
     * system DNS capture, made first so that the resolver is never left outside while everything else is captured)
     * and written to its file before it is added; the returned state names exactly what is installed now. On a
     * failure everything recorded, {@code recorded}'s changes included, is undone before the exception.
     */
    RouteState installRoutes(TunDevice device, RoutePlan plan, RouteState recorded) throws IOException;

    /**
     * Keeps the routes Turnout's own sockets, bound to {@code uplink}, need beside the capture routes {@code plan}
     * installed (Linux: the IPv6 path-MTU table, see {@code PathMtuTable}) in step with the system's routes. Called
     * after {@link #installRoutes} and after each route change, on one thread; each change is recorded in
     * {@code state} (and its file) before it is made, and removed with the others by {@link #removeRoutes} and
     * {@link #restoreSystemDns}. A failure to make one is logged, not thrown: only writing the state file throws.
     *
     * @param uplink the interface Turnout's own sockets are bound to now, or null when there is none
     * @return the state with what is made now recorded
     */
    default RouteState followUplink(TunDevice device, RoutePlan plan, String uplink, RouteState state)
            throws IOException {
        return state;
    }

    /**
     * Puts back the routes of {@code state} the system dropped while Turnout ran (Linux deletes a device's routes when
     * another program sets it down, and not one comes back when it is up again), the device brought up first.
     *
     * @return the routes put back, none when nothing was missing
     */
    default List<String> restoreDroppedRoutes(TunDevice device, RouteState state) throws IOException {
        return List.of();
    }

    /**
     * Removes the routes {@code state} records; routes that are already gone (their device vanished) are
     * not an error, and are reported apart from those this call removed. Called by {@link RouteCleanup} with
     * a state loaded from a file, so it must not depend on anything but {@code state}.
     */
    RouteRemoval removeRoutes(RouteState state) throws IOException;

    /**
     * Makes the system's own resolver reach the TUN, where {@code dns-hijack} answers it (Linux: systemd-resolved's
     * per-link DNS and {@code ~.}, else a host route into the TUN for each resolver the split routes leave
     * outside; macOS: the network services' DNS servers). Each change is recorded in {@code state} (and its
     * file) before it is made, so {@link #restoreSystemDns} and {@code turnout cleanup} can undo it.
     *
     * @param server an address routed into the TUN that dns-hijack answers (the TUN's peer address)
     * @param captured which resolver addresses the TUN answers or refuses on port 53 (a route to any other would
     *     only send its queries out again)
     * @param routesEverything whether the TUN's routes take every address (no route-address or route-exclude-address)
     * @return the state with the changes recorded and what was done, for the log
     */
    default SystemDnsCapture captureSystemDns(TunDevice device, InetAddress server, Predicate<InetAddress> captured,
                                              boolean routesEverything, RouteState state) throws IOException {
        return new SystemDnsCapture(state, List.of("not supported on " + name() + ": the system's DNS is left as it is"));
    }

    /**
     * Undoes the DNS changes {@code state} records ({@link RouteState#dns()}); its host routes go with
     * {@link #removeRoutes}. Changes already gone with the TUN device are not an error.
     *
     * @return what was undone, one line each
     */
    default List<String> restoreSystemDns(RouteState state) throws IOException {
        return List.of();
    }

    /** Whether {@code device} can carry IPv6 at all (not disabled by the system), so IPv6 routes through it work. */
    default boolean carriesIpv6(String device) {
        return true;
    }

    /**
     * The interface that carries the default route now (IPv4 first, then IPv6), ignoring the named
     * interfaces (Turnout's own TUN), or empty when there is none.
     */
    Optional<String> defaultInterface(List<String> ignoring);

    /**
     * A monitor that tells when {@link #defaultInterface} may have changed, where the OS offers one (macOS: a
     * {@code PF_ROUTE} socket); empty where it does not, and the caller polls.
     *
     * @throws IOException when this OS has one but it cannot be opened (the caller polls then too)
     */
    default Optional<RouteMonitor> openRouteMonitor() throws IOException {
        return Optional.empty();
    }

    /**
     * Makes {@code channel} leave through interface {@code ifName} only (SO_BINDTODEVICE on Linux,
     * IP_BOUND_IF/IPV6_BOUND_IF on macOS).
     *
     * <p>Call it where a failure fails the connection: from the {@code channelFactory} or in
     * {@code channelRegistered}/{@code initChannel}, before connect or bind, never through
     * {@code Bootstrap.option(...)} (Netty only logs a failing option there). Throws when the channel's
     * transport cannot carry the option (NIO channels) or the kernel refuses it.
     */
    void bindToInterface(Channel channel, String ifName) throws IOException;

    /** The same for a raw socket file descriptor (for sockets not made by Netty's native transport). */
    void bindToInterface(int socketFd, boolean ipv6, String ifName) throws IOException;

    /**
     * Where a connection the firewall redirected to Turnout's port was going ({@code iptables -j REDIRECT}, mihomo's
     * {@code redir-port}): Linux's {@code SO_ORIGINAL_DST}.
     *
     * @throws IOException when the connection was not redirected, or the platform cannot tell
     */
    default java.net.InetSocketAddress originalDestination(Channel accepted) throws IOException {
        throw new IOException(redirectUnsupported());
    }

    /** Why {@link #originalDestination} cannot tell here, or {@code null} when it can. */
    default String redirectUnsupported() {
        return "redir-port needs Linux's SO_ORIGINAL_DST; " + name() + " has none";
    }

    /**
     * Makes {@code channel}, not yet bound, transparent (Linux's {@code IP_TRANSPARENT}, for mihomo's
     * {@code tproxy-port}): it may be bound to, accept connections for, and send datagrams from addresses that are
     * not this machine's, as the firewall's {@code TPROXY} target hands them over. With {@code destinations}, a
     * datagram socket is also told each datagram's original destination ({@code IP_RECVORIGDSTADDR}), which Netty
     * gives as the packet's recipient. Called from a {@code channelFactory}, as {@link #bindToInterface}.
     *
     * @param ipv6 whether the socket is an IPv6 one (which also takes IPv4 unless bound to an IPv4 address)
     * @throws IOException when the platform has no such sockets, or the kernel refuses (not root)
     */
    default void makeTransparent(Channel channel, boolean ipv6, boolean destinations) throws IOException {
        throw new IOException(transparentUnsupported());
    }

    /**
     * Opens a transparent IPv6-only UDP socket on {@code address} and hands each datagram, with its original
     * destination, to {@code receiver} from a thread of its own until closed. Netty gives an IPv4 datagram's original
     * destination ({@code IP_RECVORIGDSTADDR}) but not an IPv6 one's ({@code IPV6_ORIGDSTADDR}): this reads it.
     *
     * @throws IOException when the socket cannot be made, made transparent or bound
     */
    default AutoCloseable readTransparentIpv6(InetSocketAddress address, TransparentReceiver receiver)
            throws IOException {
        throw new IOException(transparentUnsupported());
    }

    /** Why {@link #makeTransparent} cannot here, or {@code null} when it can. */
    default String transparentUnsupported() {
        return "tproxy-port needs Linux's TPROXY (IP_TRANSPARENT); " + name() + " has none";
    }

    /**
     * A new event loop group whose loops can watch a {@link TunDevice} ({@link TunDevice#watchReadable})
     * and also serve Netty channels of the native transport (epoll on Linux, kqueue on macOS).
     */
    IoEventLoopGroup newEventLoopGroup(int threads, String threadName);

    /**
     * An unregistered server socket channel of the native transport, for the TUN's local listener; it can be
     * registered with a loop of {@link #newEventLoopGroup} and its accepted children with the host's workers.
     */
    ServerSocketChannel newServerSocketChannel();

    /**
     * How to find the process behind a flow, for PROCESS-NAME, PROCESS-PATH and UID rules. Linux answers
     * through sock_diag and /proc; elsewhere the lookup throws {@link UnsupportedOperationException} with a
     * message saying so.
     */
    default SocketOwners socketOwners() {
        return SocketOwners.unsupported(name());
    }
}
