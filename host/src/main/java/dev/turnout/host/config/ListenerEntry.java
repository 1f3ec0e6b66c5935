package dev.turnout.host.config;

import dev.turnout.rules.Origin;
import java.util.List;

/**
 * One of mihomo's {@code listeners:} that Turnout opens: a {@code mixed}, {@code socks} or {@code http} port of its
 * own, with its own name (what {@code IN-NAME} rules match), address, users and, with {@code proxy}, one outbound
 * for every flow through it whatever the rules say, or with {@code rule}, a sub-rules list of its own. Each is served
 * by Turnout's mixed inbound, which tells SOCKS from HTTP by the first byte. A {@code tunnel} (a listener of that type,
 * or an entry of the top-level {@code tunnels:}) sends everything arriving on its port to one {@code tunnel} target.
 *
 * @param listen the address as written; {@code null} when not written (then loopback, see {@link #address})
 * @param users {@code user:password} entries in place of {@code authentication}; {@code null} to follow it, empty to
 *     ask nobody
 * @param proxy the outbound or group every flow takes, or {@code null} for the rules
 * @param rule the {@code sub-rules:} list its flows are matched against in place of {@code rules:}, or {@code null}
 * @param origin where the entry is written; {@code proxyOrigin} where its {@code proxy} is
 * @param tunnel a tunnel's networks and target; {@code null} for the other types
 * @param udp a mixed or socks listener's {@code udp} (mihomo's default true): false relays no SOCKS5 UDP
 */
public record ListenerEntry(String name, String type, int port, String listen, List<String> users, String proxy,
                            String rule, Origin origin, Origin proxyOrigin, TunnelTarget tunnel, boolean udp) {

    /** mihomo's type of a listener that forwards its port to one target. */
    public static final String TUNNEL = "tunnel";
    /** mihomo's type of a listener taking connections the firewall redirected ({@code redir-port}). */
    public static final String REDIR = "redir";
    /** mihomo's name for the listener its top-level {@code redir-port} opens. */
    public static final String DEFAULT_REDIR = "DEFAULT-REDIR";
    /** mihomo's type of a listener taking what the firewall's TPROXY target sends it ({@code tproxy-port}). */
    public static final String TPROXY = "tproxy";
    /** mihomo's name for the listener its top-level {@code tproxy-port} opens. */
    public static final String DEFAULT_TPROXY = "DEFAULT-TPROXY";

    /** A mixed, socks or http listener. */
    public ListenerEntry(String name, String type, int port, String listen, List<String> users, String proxy,
            String rule, Origin origin, Origin proxyOrigin) {
        this(name, type, port, listen, users, proxy, rule, origin, proxyOrigin, null, true);
    }

    /** A listener relaying UDP as mihomo's do by default. */
    public ListenerEntry(String name, String type, int port, String listen, List<String> users, String proxy,
            String rule, Origin origin, Origin proxyOrigin, TunnelTarget tunnel) {
        this(name, type, port, listen, users, proxy, rule, origin, proxyOrigin, tunnel, true);
    }

    /**
     * Where it listens: as written, else 127.0.0.1. mihomo's default is every address; Turnout keeps proxy ports
     * on loopback unless told otherwise, as with {@code allow-lan}.
     */
    public String address() {
        return listen == null ? "127.0.0.1" : listen;
    }

    /**
     * Whether it is the listener of a top-level port ({@code redir-port}, {@code tproxy-port}): it listens where the
     * proxy ports do, and moves with them.
     */
    public boolean followsProxyPorts() {
        return name.equals(DEFAULT_REDIR) || name.equals(DEFAULT_TPROXY);
    }

    /** The same listener on {@code newPort}, at {@code newListen} ({@code null}: loopback). */
    public ListenerEntry movedTo(int newPort, String newListen) {
        return new ListenerEntry(name, type, newPort, newListen, users, proxy, rule, origin, proxyOrigin, tunnel, udp);
    }

    /** What its open socket is made of (all but the proxy), for telling whether a reload changed it. */
    public List<Object> socket() {
        return java.util.Arrays.asList(name, type, port, address(), users, tunnel, udp);
    }
}
