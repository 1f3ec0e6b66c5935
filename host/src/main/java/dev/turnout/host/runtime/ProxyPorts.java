package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ListenerEntry;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.mixed.MixedInbound;
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
    /** Applied to each client's socket: TCP keepalive. */
    private final SocketBinder clients;
    private volatile InstanceClaims claims = InstanceClaims.NONE;
    /** Listening now, by port, all on {@link #address}. */
    private final Map<Integer, MixedInbound> open = new LinkedHashMap<>();
    /** Listeners closed while running, whose clients go on until the stop. */
    private final List<MixedInbound> closed = new ArrayList<>();
    private InetAddress address;
    /** mihomo's {@code listeners:}, opened at the start. */
    private final List<MixedInbound> listeners = new ArrayList<>();

    ProxyPorts(EventLoopGroup boss, EventLoopGroup workers, Tunnel tunnel, DescriptorShortage shortage,
               Supplier<Authentication> authentication, SocketBinder clients) {
        this.clients = clients;
        this.boss = boss;
        this.workers = workers;
        this.tunnel = tunnel;
        this.shortage = shortage;
        this.authentication = authentication;
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
        log.info("mixed proxy (SOCKS5 and HTTP) listening on {}{}{}", m.localAddress(), auth.users().isEmpty() ? ""
                : ", asking for a user and password (" + auth.users().size() + " users) except from ["
                        + auth.notAsked() + "]", auth.servesEveryone() ? "" : "; " + auth.lanServed());
    }

    /**
     * Opens mihomo's {@code listeners:}, each on its own address and port with its own name; with {@code users},
     * those are asked in place of {@code authentication} (the LAN lists and who is not asked still apply). All or
     * none: on failure those opened are closed and the error names the listener.
     */
    synchronized void openListeners(List<ListenerEntry> wanted) throws ConfigException, InterruptedException {
        Map<ListenerEntry, MixedInbound> opened = new LinkedHashMap<>();
        try {
            for (ListenerEntry l : wanted) {
                opened.put(l, openListener(l));
            }
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            opened.forEach((l, m) -> {
                m.close();
                claims.giveBackPort(l.port());
            });
            throw e;
        }
        listeners.addAll(opened.values());
    }

    private MixedInbound openListener(ListenerEntry l) throws ConfigException, InterruptedException {
        // Its own users, read once; whom they are asked of and which clients are served follow the running config.
        Authentication own = l.users() == null ? null : Authentication.of(l.users(), List.of());
        Supplier<Authentication> access = own == null ? authentication
                : () -> own.withClientListsOf(authentication.get());
        String where = "listener '" + l.name() + "' cannot listen on " + l.address() + ":" + l.port() + ": ";
        try {
            claims.claimPort(l.port());
        } catch (IOException e) {
            throw new ConfigException(l.origin(), where + e.getMessage(), e);
        }
        try {
            // An IP literal (the config checked it): no name is looked up.
            InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(l.address()), l.port());
            MixedInbound m = MixedInbound.bind(at, boss, workers, tunnel, shortage, l.name(), access, clients);
            log.info("listener '{}' ({}) listening on {}{}{}", l.name(), l.type(), m.localAddress(),
                    l.proxy() != null ? ", every flow through " + l.proxy()
                            : l.rule() != null ? ", its flows matched against sub-rules '" + l.rule() + "'" : "",
                    l.listen() == null ? " (no 'listen' written: loopback only, where mihomo's default is every"
                            + " address)" : "");
            return m;
        } catch (IOException e) {
            claims.giveBackPort(l.port());
            throw new ConfigException(l.origin(), where + e.getMessage(), e);
        }
    }

    /** Closes every port and every client connection through them, those of ports closed before included. */
    @Override
    public synchronized void close() {
        open.values().forEach(MixedInbound::close);
        closed.forEach(MixedInbound::close);
        listeners.forEach(MixedInbound::close);
        open.clear();
        closed.clear();
        listeners.clear();
    }
}
