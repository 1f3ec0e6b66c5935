package dev.turnout.host.runtime;

import io.netty.util.NetUtil;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ListenerEntry;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.PortInbound;
import dev.turnout.host.inbound.mixed.MixedInbound;
import dev.turnout.host.inbound.redir.RedirInbound;
import dev.turnout.host.inbound.tproxy.TproxyInbound;
import dev.turnout.host.inbound.tunnel.TunnelInbound;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy ports ({@code mixed-port}, {@code socks-port}, {@code port}; each a mixed SOCKS5 and HTTP listener),
 * opened at the start and moved while Turnout runs, as Clash moves them for a dashboard's {@code PATCH /configs}:
 * the ports asked for open before those no longer wanted close, clients connected through a port that closes go on,
 * and when a port cannot be opened, nothing changes.
 */
final class ProxyPorts implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyPorts.class);
    /** mihomo's listener names, which IN-NAME rules match. */
    private static final Map<String, String> NAMES = Map.of("mixed-port", MixedInbound.DEFAULT_NAME,
            "socks-port", "DEFAULT-SOCKS", "port", "DEFAULT-HTTP");

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Tunnel tunnel;
    private final DescriptorShortage shortage;
    private final Supplier<Authentication> authentication;
    /** Applied to each client's socket: TCP keepalive, as the config of the moment sets it. */
    private volatile SocketBinder clientSockets;
    private final SocketBinder clients = SocketBinder.current(() -> clientSockets);
    private volatile InstanceClaims claims = InstanceClaims.NONE;
    /** Listening now, by port, all on {@link #address}. */
    private final Map<Integer, MixedInbound> open = new LinkedHashMap<>();
    /** Listeners closed while running, whose clients go on until the stop. */
    private final List<PortInbound> closed = new ArrayList<>();
    private InetAddress address;
    /** mihomo's {@code listeners:} listening now, by {@link ListenerEntry#socket()}. */
    private final Map<List<Object>, Listening> listeners = new LinkedHashMap<>();

    /** A listener of {@code listeners:} and the entry it was opened for. */
    private record Listening(ListenerEntry entry, PortInbound inbound) {
    }

    ProxyPorts(EventLoopGroup boss, EventLoopGroup workers, Tunnel tunnel, DescriptorShortage shortage,
               Supplier<Authentication> authentication, SocketBinder clients) {
        this.clientSockets = clients;
        this.boss = boss;
        this.workers = workers;
        this.tunnel = tunnel;
        this.shortage = shortage;
        this.authentication = authentication;
    }

    /** Applies {@code next} to each client connecting from now on, on every port (a reload changed keepalive). */
    void useClientSockets(SocketBinder next) {
        this.clientSockets = next;
    }

    void claimWith(InstanceClaims instanceClaims) {
        this.claims = instanceClaims;
    }

    /**
     * Listens as {@code next} asks: on its address, on its ports. On failure nothing has changed and the
     * error names the setting (where {@code next} wrote it) and the kernel's reason.
     */
    synchronized void listenAs(Config next) throws ConfigException, InterruptedException {
        InetAddress to = Settings.bindAddress(next);
        boolean moving = address != null && !address.equals(to);
        Map<Integer, MixedInbound> opened = new LinkedHashMap<>();
        // What to do to put things back if a port cannot be opened, last step first.
        Deque<Runnable> undo = new ArrayDeque<>();
        try {
            for (Map.Entry<String, Integer> wanted : next.listenPorts().entrySet()) {
                String key = wanted.getKey();
                int port = wanted.getValue();
                MixedInbound now = open.get(port);
                if (now != null && !moving) {
                    continue;
                }
                InetSocketAddress at = new InetSocketAddress(to, port);
                try {
                    if (now == null) {
                        claims.claimPort(port);
                        undo.push(() -> claims.giveBackPort(port));
                    } else {
                        // The same port on another address: the old listener must let it go first.
                        now.stopListening();
                        InetAddress was = address;
                        undo.push(() -> reopen(port, was, key));
                    }
                    opened.put(port, MixedInbound.bind(at, boss, workers, tunnel, shortage, NAMES.get(key), authentication,
                            clients));
                } catch (IOException e) {
                    throw new ConfigException(next.originOf(key), key + " cannot listen on " + at.getAddress().getHostAddress()
                            + ":" + port + ": " + e.getMessage(), e);
                }
            }
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            opened.values().forEach(MixedInbound::close);
            undo.forEach(Runnable::run);
            throw e;
        }
        List<Integer> gone = new ArrayList<>(open.keySet());
        gone.removeAll(next.listenPorts().values());
        for (int port : gone) {
            MixedInbound old = open.remove(port);
            old.stopListening();
            closed.add(old);
            claims.giveBackPort(port);
            int going = old.openConnections();
            log.info("port {} closed{}", port, going == 0 ? "" : going == 1 ? "; the connection through it goes on"
                    : "; the " + going + " connections through it go on");
        }
        opened.forEach((port, m) -> {
            MixedInbound old = open.put(port, m);
            if (old != null) {
                closed.add(old); // moved to another address: its clients go on
            }
            said(m);
        });
        address = to;
    }

    /** The first port listening, or {@code null} when none is. */
    synchronized InetSocketAddress firstAddress() {
        return open.isEmpty() ? null : open.values().iterator().next().localAddress();
    }

    private void reopen(int port, InetAddress was, String key) {
        try {
            MixedInbound back = MixedInbound.bind(new InetSocketAddress(was, port), boss, workers, tunnel, shortage,
                    NAMES.get(key), authentication, clients);
            closed.add(open.put(port, back));
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            closed.add(open.remove(port));
            claims.giveBackPort(port);
            log.warn("port {} could not listen on {} again: {}", port, was.getHostAddress(), e.getMessage());
        }
    }

    private void said(MixedInbound m) {
        Authentication auth = authentication.get();
        log.info("mixed proxy (SOCKS5 and HTTP) listening on {}{}{}", NetUtil.toSocketAddressString(m.localAddress()),
                auth.users().isEmpty() ? ""
                : ", asking for a user and password (" + auth.users().size() + " users)"
                        + (auth.skipPrefixes().isEmpty() ? " of every client" : " except from [" + auth.notAsked() + "]"),
                auth.servesEveryone() ? "" : "; " + auth.lanServed());
    }

    /**
     * Listens on mihomo's {@code listeners:}, each on its own address and port with its own name; with {@code users},
     * those are asked in place of {@code authentication} (the LAN lists and who is not asked still apply). At the
     * start all open; on a reload, as mihomo's does, a listener whose socket (name, type, port, address, users) is
     * unchanged goes on, the others stop listening (their clients go on) and the new ones open. All or none: when
     * one cannot open, those opened close, those stopped listen again, and the error names the listener.
     */
    synchronized void relisten(List<ListenerEntry> wanted) throws ConfigException, InterruptedException {
        Map<List<Object>, ListenerEntry> asked = new LinkedHashMap<>();
        wanted.forEach(l -> asked.put(l.socket(), l));
        List<Listening> gone = listeners.entrySet().stream().filter(e -> !asked.containsKey(e.getKey()))
                .map(Map.Entry::getValue).toList();
        List<ListenerEntry> fresh = asked.values().stream().filter(l -> !listeners.containsKey(l.socket())).toList();
        if (gone.isEmpty() && fresh.isEmpty()) {
            return;
        }
        // Ports a stopped listener still holds claimed, which a new one on the same port takes over.
        java.util.Set<Integer> held = new java.util.HashSet<>();
        gone.forEach(g -> held.add(g.entry().port()));
        gone.forEach(g -> g.inbound().stopListening());
        Map<ListenerEntry, PortInbound> opened = new LinkedHashMap<>();
        try {
            for (ListenerEntry l : fresh) {
                opened.put(l, openListener(l, !held.contains(l.port())));
            }
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            opened.forEach((l, m) -> {
                m.close();
                if (!held.contains(l.port())) {
                    claims.giveBackPort(l.port());
                }
            });
            gone.forEach(this::listenAgain);
            throw e;
        }
        for (Listening g : gone) {
            listeners.remove(g.entry().socket());
            closed.add(g.inbound()); // its clients go on until they end or Turnout stops
            log.info("listener '{}' on port {} closed", g.entry().name(), g.entry().port());
        }
        opened.forEach((l, m) -> listeners.put(l.socket(), new Listening(l, m)));
        java.util.Set<Integer> inUse = new java.util.HashSet<>(open.keySet());
        listeners.values().forEach(l -> inUse.add(l.entry().port()));
        held.stream().filter(port -> !inUse.contains(port)).forEach(claims::giveBackPort);
    }

    /** Opens again a listener a failed reload stopped; its clients from before go on. */
    private void listenAgain(Listening stopped) {
        closed.add(stopped.inbound());
        ListenerEntry l = stopped.entry();
        try {
            listeners.put(l.socket(), new Listening(l, openListener(l, false)));
        } catch (ConfigException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            listeners.remove(l.socket());
            claims.giveBackPort(l.port());
            log.warn("{}", e.getMessage());
        }
    }

    private PortInbound openListener(ListenerEntry l, boolean claim) throws ConfigException, InterruptedException {
        // Its own users, read once; whom they are asked of and which clients are served follow the running config.
        Authentication own = l.users() == null ? null : Authentication.of(l.users(), List.of());
        Supplier<Authentication> access = own == null ? authentication
                : () -> own.withClientListsOf(authentication.get());
        String where = "listener '" + l.name() + "' cannot listen on " + l.address() + ":" + l.port() + ": ";
        try {
            if (claim) {
                claims.claimPort(l.port());
            }
        } catch (IOException e) {
            throw new ConfigException(l.origin(), where + e.getMessage(), e);
        }
        try {
            // An IP literal (the config checked it): no name is looked up.
            InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(l.address()), l.port());
            PortInbound m = l.tunnel() != null
                    ? TunnelInbound.bind(at, l.tunnel(), boss, workers, tunnel, shortage, l.name(), access, clients)
                    : l.type().equals(ListenerEntry.REDIR)
                            ? RedirInbound.bind(at, boss, workers, tunnel, shortage, l.name(), access, clients)
                    : l.type().equals(ListenerEntry.TPROXY)
                            ? TproxyInbound.bind(at, boss, workers, tunnel, shortage, l.name(), access, clients)
                            : MixedInbound.bind(at, boss, workers, tunnel, shortage, l.name(), access, clients,
                                    l.udp());
            log.info("listener '{}' ({}) listening on {}{}{}{}{}", l.name(), l.type(),
                    NetUtil.toSocketAddressString(m.localAddress()),
                    l.udp() ? "" : " (udp: false: no SOCKS5 UDP relayed)",
                    l.tunnel() == null ? "" : " (" + l.tunnel().networks() + ") to " + l.tunnel(),
                    l.proxy() != null ? ", every flow through " + l.proxy()
                            : l.rule() != null ? ", its flows matched against sub-rules '" + l.rule() + "'" : "",
                    l.listen() == null && !l.followsProxyPorts() ? " (no 'listen' written: "
                            + "loopback only, where mihomo's default is every address)" : "");
            if (l.type().equals(ListenerEntry.TPROXY) && at.getAddress().isLoopbackAddress()) {
                // TPROXY hands packets to the port on the address they came in on unless told --on-ip.
                log.warn("listener '{}' (tproxy) listens on loopback only (allow-lan is off): the firewall's TPROXY "
                        + "rule must say --on-ip {} for it to get anything", l.name(), at.getAddress().getHostAddress());
            }
            return m;
        } catch (IOException e) {
            if (claim) {
                claims.giveBackPort(l.port());
            }
            throw new ConfigException(l.origin(), where + e.getMessage(), e);
        }
    }

    /** Closes every port and every client connection through them, those of ports closed before included. */
    @Override
    public synchronized void close() {
        open.values().forEach(MixedInbound::close);
        closed.forEach(PortInbound::close);
        listeners.values().forEach(l -> l.inbound().close());
        open.clear();
        closed.clear();
        listeners.clear();
    }
}
