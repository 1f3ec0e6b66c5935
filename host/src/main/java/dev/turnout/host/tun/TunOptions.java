package dev.turnout.host.tun;

import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.platform.RouteCleanup;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code tun:} section, as Clash/mihomo write it, plus a few Turnout knobs. A null or 0 field takes its
 * default; use {@link #defaults()} and the {@code with...} methods, or the canonical constructor.
 *
 * @param enable whether the TUN inbound runs at all
 * @param stack {@code system} (the only stack; {@code gvisor} and {@code mixed} fall back to it with a warning)
 * @param device the interface name, e.g. {@code turnout0}; null lets the OS choose ({@code tun%d})
 * @param mtu the TUN's MTU; 0 takes the platform's default ({@link Platform#defaultTunMtu()})
 * @param inet4Address the TUN's IPv4 address A; the next address is the NAT source B, so the prefix must hold
 *     both (default {@code 198.18.0.1/30}); null with {@code inet6Address} set means IPv6 only
 * @param inet6Address the TUN's IPv6 address, likewise (e.g. {@code fdfe:dcba:9876::1/126}); null: no IPv6
 * @param autoRoute install the split routes that capture all traffic
 * @param autoDetectInterface find (and follow) the physical interface for Turnout's own sockets
 * @param dnsHijack UDP DNS destinations answered by the DNS hook ({@code any:53}, {@code 198.18.0.2:53})
 * @param interfaceName the physical interface to bind Turnout's sockets to; wins over auto-detection
 * @param stateFile where installed routes are recorded; default {@link RouteCleanup#defaultStateFile()}
 * @param udpTimeoutSeconds idle timeout of UDP sessions; default 60
 * @param maxTcpFlows NAT table size (≤ 64511); default 64511
 * @param maxUdpFlows UDP session table size; default 16384
 * @param gso checksum and segmentation offload on the device (mihomo's {@code gso}; Linux only, where Turnout
 *     turns it on by default because it is what makes the TUN fast); off elsewhere or when the kernel refuses
 * @param strictRoute mihomo's {@code strict-route}, for what Turnout takes from it: with auto-route and no IPv6
 *     address on the TUN, IPv6 is captured too and refused at once (so it cannot leave around the TUN and
 *     applications fall back to IPv4). On by default here (mihomo's default is off); {@code false} lets IPv6
 *     bypass the TUN
 * @param routeAddress mihomo's {@code route-address}: with auto-route, capture only these (per IP version that has
 *     entries) instead of everything
 * @param routeExcludeAddress mihomo's {@code route-exclude-address}: with auto-route, never capture these (a LAN, a
 *     company network), so they take the machine's other routes
 */
public record TunOptions(boolean enable, String stack, String device, int mtu, IpPrefix inet4Address,
                         IpPrefix inet6Address, boolean autoRoute, boolean autoDetectInterface,
                         List<String> dnsHijack, String interfaceName, Path stateFile, int udpTimeoutSeconds,
                         int maxTcpFlows, int maxUdpFlows, boolean gso, boolean strictRoute,
                         List<IpPrefix> routeAddress, List<IpPrefix> routeExcludeAddress) {

    public static final String DEFAULT_INET4 = "198.18.0.1/30";
    /** mihomo's default IPv6 address of its TUN (DefaultRawConfig), given unless the top-level ipv6 is false. */
    public static final String DEFAULT_INET6 = "fdfe:dcba:9876::1/126";
    public static final int NAT_PORT_BASE = 1024;

    /** {@code mtu} when it is 0 (the device's default) or one an IP link can carry; else why not. */
    public static int checkMtu(int mtu) {
        if (mtu != 0 && (mtu < 1280 || mtu > 65535)) {
            throw new IllegalArgumentException("'mtu' must be 1280..65535 (or 0 for the default), got " + mtu);
        }
        return mtu;
    }

    public TunOptions {
        stack = stack == null || stack.isBlank() ? "system" : stack;
        mtu = checkMtu(Math.max(mtu, 0));
        if (inet4Address == null && inet6Address == null) {
            inet4Address = IpPrefix.parse(DEFAULT_INET4);
        }
        checkRoomForPeer(inet4Address);
        checkRoomForPeer(inet6Address);
        dnsHijack = dnsHijack == null ? List.of() : List.copyOf(dnsHijack);
        HijackTargets.udp(dnsHijack); // checks every entry: fail at config time, not at start
        stateFile = stateFile == null ? RouteCleanup.defaultStateFile() : stateFile;
        udpTimeoutSeconds = udpTimeoutSeconds <= 0 ? 60 : udpTimeoutSeconds;
        maxTcpFlows = maxTcpFlows <= 0 ? 65536 - NAT_PORT_BASE - 1 : maxTcpFlows;
        if (maxTcpFlows > 65536 - NAT_PORT_BASE - 1) {
            throw new IllegalArgumentException("max TCP flows above " + (65536 - NAT_PORT_BASE - 1) + ": " + maxTcpFlows);
        }
        maxUdpFlows = maxUdpFlows <= 0 ? 16384 : maxUdpFlows;
        routeAddress = routeAddress == null ? List.of() : List.copyOf(routeAddress);
        routeExcludeAddress = routeExcludeAddress == null ? List.of() : List.copyOf(routeExcludeAddress);
    }

    /** The options capturing everything (no {@code route-address} or {@code route-exclude-address}). */
    public TunOptions(boolean enable, String stack, String device, int mtu, IpPrefix inet4Address,
                      IpPrefix inet6Address, boolean autoRoute, boolean autoDetectInterface, List<String> dnsHijack,
                      String interfaceName, Path stateFile, int udpTimeoutSeconds, int maxTcpFlows, int maxUdpFlows,
                      boolean gso, boolean strictRoute) {
        this(enable, stack, device, mtu, inet4Address, inet6Address, autoRoute, autoDetectInterface, dnsHijack,
                interfaceName, stateFile, udpTimeoutSeconds, maxTcpFlows, maxUdpFlows, gso, strictRoute, null, null);
    }

    private static void checkRoomForPeer(IpPrefix p) {
        if (p == null) {
            return;
        }
        if (!p.contains(p.offset(1))) {
            throw new IllegalArgumentException("tun address " + p + " leaves no room for the NAT address "
                    + p.offset(1).getHostAddress() + ": use a shorter prefix such as /30 or /126");
        }
    }

    /**
     * Enabled, system stack, OS-chosen name, 198.18.0.1/30, no IPv6, no auto-route, auto-detect on, GSO on, strict
     * route on.
     */
    public static TunOptions defaults() {
        return new TunOptions(true, "system", null, 0, null, null, false, true, List.of(), null, null, 0, 0, 0, true, true);
    }

    public TunOptions withDevice(String name) {
        return new TunOptions(enable, stack, name, mtu, inet4Address, inet6Address, autoRoute, autoDetectInterface,
                dnsHijack, interfaceName, stateFile, udpTimeoutSeconds, maxTcpFlows, maxUdpFlows, gso, strictRoute,
                routeAddress, routeExcludeAddress);
    }

    public TunOptions withAddresses(IpPrefix v4, IpPrefix v6) {
        return new TunOptions(enable, stack, device, mtu, v4, v6, autoRoute, autoDetectInterface,
                dnsHijack, interfaceName, stateFile, udpTimeoutSeconds, maxTcpFlows, maxUdpFlows, gso, strictRoute,
                routeAddress, routeExcludeAddress);
    }

    public TunOptions withMtu(int value) {
        return new TunOptions(enable, stack, device, value, inet4Address, inet6Address, autoRoute, autoDetectInterface,
                dnsHijack, interfaceName, stateFile, udpTimeoutSeconds, maxTcpFlows, maxUdpFlows, gso, strictRoute,
                routeAddress, routeExcludeAddress);
    }

    public TunOptions withAutoRoute(boolean value, Path routeStateFile) {
        return new TunOptions(enable, stack, device, mtu, inet4Address, inet6Address, value, autoDetectInterface,
                dnsHijack, interfaceName, routeStateFile, udpTimeoutSeconds, maxTcpFlows, maxUdpFlows, gso, strictRoute,
                routeAddress, routeExcludeAddress);
    }

    public TunOptions withInterface(boolean autoDetect, String name) {
        return new TunOptions(enable, stack, device, mtu, inet4Address, inet6Address, autoRoute, autoDetect,
                dnsHijack, name, stateFile, udpTimeoutSeconds, maxTcpFlows, maxUdpFlows, gso, strictRoute,
                routeAddress, routeExcludeAddress);
    }

    public TunOptions withDnsHijack(List<String> targets) {
        return new TunOptions(enable, stack, device, mtu, inet4Address, inet6Address, autoRoute, autoDetectInterface,
                targets, interfaceName, stateFile, udpTimeoutSeconds, maxTcpFlows, maxUdpFlows, gso, strictRoute,
                routeAddress, routeExcludeAddress);
    }

    public TunOptions withStrictRoute(boolean value) {
        return new TunOptions(enable, stack, device, mtu, inet4Address, inet6Address, autoRoute, autoDetectInterface,
                dnsHijack, interfaceName, stateFile, udpTimeoutSeconds, maxTcpFlows, maxUdpFlows, gso, value,
                routeAddress, routeExcludeAddress);
    }

    public TunOptions withUdpTimeout(int seconds) {
        return new TunOptions(enable, stack, device, mtu, inet4Address, inet6Address, autoRoute, autoDetectInterface,
                dnsHijack, interfaceName, stateFile, seconds, maxTcpFlows, maxUdpFlows, gso, strictRoute,
                routeAddress, routeExcludeAddress);
    }

    /** With mihomo's {@code route-address} and {@code route-exclude-address}. */
    public TunOptions withRoutes(List<IpPrefix> include, List<IpPrefix> exclude) {
        return new TunOptions(enable, stack, device, mtu, inet4Address, inet6Address, autoRoute, autoDetectInterface,
                dnsHijack, interfaceName, stateFile, udpTimeoutSeconds, maxTcpFlows, maxUdpFlows, gso, strictRoute,
                include, exclude);
    }
}
