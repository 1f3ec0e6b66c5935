package dev.turnout.host.controller;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ControllerCors;
import dev.turnout.host.config.ControllerTls;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.files.SafePaths;
import dev.turnout.host.inbound.ConnectionBudget;
import dev.turnout.host.inbound.HandshakeDeadline;
import dev.turnout.host.runtime.Reloader;
import dev.turnout.host.runtime.Turnout;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clash's external controller: the REST API and WebSocket streams dashboards speak, and the dashboard
 * page at {@code /ui/}. Runs on an event loop of its own, so a busy data plane never makes the API
 * unresponsive and the API never slows flows; slow work (reloads, downloads) runs on one worker thread, and a
 * provider's update on threads of its own.
 */
public final class Controller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    /** Request bodies beyond this get 413: a config payload is large, but not this large. */
    public static final int MAX_BODY_BYTES = 1 << 20;
    static final int REQUEST_TIMEOUT_SECONDS = 60;
    static final long FIRST_REQUEST_MILLIS = 10_000;

    private final Turnout turnout;
    private final Reloader reloader;
    /** The controller's keys as it runs them; a reload may change them ({@link #reconfigure}). */
    private volatile Secret secret;
    private volatile StaticFiles ui;
    private volatile BrowserGuard guard;
    /** What the keys were read from, to tell what a reload changed: the secret, the addresses asked. */
    private String secretText; // guarded by this
    /** The connections over TCP, which a new secret or address ends; the Unix socket's ask for no secret. */
    private final ChannelGroup tcpClients;
    /** Those made before the last reconfiguration changed the secret or the address, closed once the reload is done. */
    private List<Channel> outdated = List.of(); // guarded by this
    private final SafePaths safePaths;
    private final EventLoopGroup loop;
    private final ExecutorService work;
    /**
     * Providers' updates ({@code PUT /providers/...}), each on its own thread, as mihomo's run on the request's
     * goroutine: on the worker, one stalled server held every reload and dashboard write behind it.
     */
    private final ExecutorService providerUpdates;
    private final LogHub logs = new LogHub();
    private final Streams streams;
    /** Open connections at once, by where they come from; more are closed on accept. */
    private final ConnectionBudget budget = new ConnectionBudget();
    private volatile Restarter restarter;
    /** {@code external-controller}'s sockets, and {@code external-controller-tls}'s. Guarded by this. */
    private final ControllerServers plain;
    private final ControllerServers secure;
    /** The TLS keys the secure sockets run with, to tell what a reload changed. Guarded by this. */
    private ControllerTls tlsKeys;
    /** The dashboard folder {@code /ui/} serves, or {@code null} for Turnout's own page. */
    private volatile ExternalUi externalUi;
    /** {@code external-doh-server}: the path that answers DNS over HTTPS, asking no secret; {@code null}: none. */
    private volatile String dohPath;
    /** {@code external-ui-url} as a dashboard PATCHed it (zashboard, before its update), or {@code null}. */
    private volatile String patchedUiUrl;
    /** {@code external-controller-unix}, once bound; the file is removed at close. */
    private Channel unixServer;
    private Path unixSocket;

    private Controller(Turnout turnout, Reloader reloader, String secret, Path externalUi, BrowserGuard guard) {
        this.turnout = turnout;
        this.reloader = reloader;
        this.secret = Secret.of(secret);
        this.secretText = secret;
        this.guard = guard;
        this.safePaths = new SafePaths(configFolders(turnout.config()), "the config's folder", System.getenv("SAFE_PATHS"));
        this.ui = new StaticFiles(externalUi);
        this.loop = Transport.newGroup(1, "turnout-controller");
        this.work = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(8), r -> {
            Thread t = new Thread(r, "turnout-controller-work");
            t.setDaemon(true);
            return t;
        });
        this.providerUpdates = new ThreadPoolExecutor(0, MAX_PROVIDER_UPDATES, 30, TimeUnit.SECONDS,
                new java.util.concurrent.SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "turnout-controller-provider-update");
                    t.setDaemon(true);
                    return t;
                });
        this.streams = new Streams(turnout.flows(), loop.next());
        this.tcpClients = new DefaultChannelGroup("controller-clients", loop.next());
        this.plain = new ControllerServers("external-controller", loop, tls -> connection(false, tls));
        this.secure = new ControllerServers("external-controller-tls", loop, tls -> connection(false, tls));
    }

    /**
     * What the command line's {@code -ext-ctl}, {@code -ext-ui} and {@code -secret} put in place of the config's
     * keys ({@code null}: as the config says). Applied where the controller starts, so reloads keep them.
     */
    public record Overrides(String externalController, String externalControllerUnix, String externalUi,
                            String secret) {
    }

    /**
     * Whether {@code c}, with the command line's {@code overrides}, asks for a controller: then dashboards may keep
     * their settings here ({@code /storage}), which outlive the run.
     */
    public static boolean askedFor(Config c, Overrides overrides) {
        return Keys.listenOf(c, overrides) != null || Keys.unixOf(c, overrides) != null
                || c.externalControllerTls() != null;
    }

    /**
     * Starts the controller the config asks for, or returns {@code null} when it asks for none.
     *
     * @throws IllegalArgumentException when the address is unusable
     */
    public static Controller startFor(Turnout turnout, Reloader reloader, Overrides overrides) throws InterruptedException {
        return startFor(turnout.config(), turnout, reloader, overrides);
    }

    /** As {@link #startFor(Turnout, Reloader, Overrides)}, with {@code c}'s keys (a reload's, before it applies). */
    public static Controller startFor(Config c, Turnout turnout, Reloader reloader, Overrides overrides)
            throws InterruptedException {
        Keys keys = Keys.of(c, overrides);
        if (keys.none()) {
            return null;
        }
        Controller started = start(turnout, reloader, keys.listen(), keys.socket(), keys.secret(),
                keys.ui() == null ? null : keys.ui().folder(), keys.cors());
        started.dohPath = keys.doh();
        try {
            synchronized (started) {
                started.useTls(keys.tls(), keys.secret());
                started.guard = started.guardFor(keys.cors());
            }
        } catch (RuntimeException | InterruptedException e) {
            started.close();
            throw e;
        }
        started.useUi(keys.ui());
        return started;
    }

    /**
     * What {@link #startFor} would refuse in {@code c}'s keys that can be seen without opening anything, for
     * {@code turnout check}: a certificate and key of {@code tls:} that cannot be used, a Unix socket's path that holds
     * something other than a socket. Before, check passed them and run refused them (readme tester F5).
     *
     * @throws IllegalArgumentException naming the problem, at the key's place in the file
     */
    public static void check(Config c, Overrides overrides) {
        ControllerTls tls = c.externalControllerTls();
        if (tls != null) {
            try {
                ReferenceCountUtil.release(ControllerCertificate.sslContext(tls));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(c.originOf("external-controller-tls") + ": " + e.getMessage(), e);
            }
        }
        String unix = Keys.unixOf(c, overrides);
        if (unix != null) {
            try {
                ControllerSocket.check(ControllerSocket.resolve(c.baseDir(), unix));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(overrides.externalControllerUnix() != null ? e.getMessage()
                        : c.originOf("external-controller-unix") + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The controller keys of a config after the command line's: where it listens (TCP, {@code null} for nowhere),
     * its Unix socket, secret, dashboard folder and CORS.
     */
    private record Keys(String listen, Path socket, String secret, ExternalUi ui, ControllerCors cors,
                        ControllerTls tls, String doh) {

        /** @throws IllegalArgumentException when the dashboard folder is something other than a folder */
        static Keys of(Config c, Overrides overrides) {
            String unix = unixOf(c, overrides);
            String secret = overrides.secret() != null ? overrides.secret() : c.secret();
            ExternalUi ui = checked(ExternalUi.of(c, overrides.externalUi() != null ? overrides.externalUi()
                    : c.externalUi()));
            return new Keys(listenOf(c, overrides), unix == null ? null : ControllerSocket.resolve(c.baseDir(), unix),
                    secret, ui, c.externalControllerCors(), c.externalControllerTls(), c.externalDohServer());
        }

        /** The TCP address to listen on, the command line's first; {@code null} for none. */
        static String listenOf(Config c, Overrides overrides) {
            return given(overrides.externalController() != null ? overrides.externalController()
                    : c.externalController());
        }

        /** The Unix socket's path as written, the command line's first; {@code null} for none. */
        static String unixOf(Config c, Overrides overrides) {
            return given(overrides.externalControllerUnix() != null ? overrides.externalControllerUnix()
                    : c.externalControllerUnix());
        }

        private static String given(String value) {
            return value == null || value.isBlank() ? null : value;
        }

        boolean none() {
            return listen == null && socket == null && tls == null;
        }
    }

    /** Serves {@code next} at {@code /ui/} ({@code null}: Turnout's own page), downloading it when it is missing. */
    private void useUi(ExternalUi next) {
        this.ui = new StaticFiles(next == null ? null : next.folder());
        this.externalUi = next;
        if (next != null && next.missing()) {
            work.execute(() -> downloadUi(next, "external-ui " + next.folder() + " is missing or empty"));
        }
    }

    /**
     * Takes {@code c}'s controller keys (after the command line's), as mihomo's reload recreates its controller:
     * the address and the Unix socket move (the new ones open before the old ones close, or right after them on
     * the same port), the secret, CORS and the dashboard folder change. A new secret or address ends the
     * connections made before it at {@link #endOutdated} (a dashboard's stream opened with the old secret must not
     * outlive it).
     *
     * @return false when {@code c} asks for no controller at all: the caller closes this one
     * @throws IllegalArgumentException when an address cannot be bound or the folder is not one; nothing changed
     */
    public synchronized boolean reconfigure(Config c, Overrides overrides) throws InterruptedException {
        Keys keys = Keys.of(c, overrides);
        if (keys.none()) {
            return false;
        }
        Listen where = keys.listen() == null ? new Listen(null, List.of(), null) : listen(keys.listen(), keys.secret());
        List<InetSocketAddress> before = plain.listening();
        boolean moved = !where.addresses().equals(before);
        boolean socketMoved = !java.util.Objects.equals(keys.socket(), unixSocket);
        boolean newSecret = !java.util.Objects.equals(keys.secret(), secretText);
        ControllerTls tlsBefore = tlsKeys;
        List<InetSocketAddress> tlsListening = secure.listening();
        io.netty.handler.ssl.SslContext tlsContext = secure.tls();
        boolean tlsChanged = useTls(keys.tls(), keys.secret()); // first: a certificate that does not load fails here
        try {
            // Said whenever the file asks anew for an address it is kept from, not only when the sockets move: one
            // that had a secret and drops it keeps listening where it did (s69's accounting tester, F10).
            if (where.warning() != null && (moved || newSecret
                    || !java.util.Objects.equals(keys.listen(), turnout.config().externalController()))) {
                log.warn("{}: {}", c.originOf("external-controller"), where.warning());
            }
            if (moved) {
                plain.rebind(where.addresses(), Secret.of(keys.secret()) != null, null);
            }
            if (socketMoved) {
                try {
                    moveUnix(keys.socket());
                } catch (RuntimeException | InterruptedException e) {
                    if (moved) {
                        plain.rebind(before, secret != null, null); // put back the addresses taken above
                    }
                    throw e;
                }
            }
        } catch (RuntimeException | InterruptedException e) {
            if (tlsChanged) {
                secure.rebind(tlsListening, secret != null, tlsContext);
                tlsKeys = tlsBefore;
            }
            throw e;
        }
        this.secret = Secret.of(keys.secret());
        this.secretText = keys.secret();
        this.guard = guardFor(keys.cors());
        this.dohPath = keys.doh();
        if (!java.util.Objects.equals(keys.ui(), externalUi)) {
            useUi(keys.ui());
        }
        outdated = newSecret || moved || tlsChanged ? new ArrayList<>(tcpClients) : List.of();
        if (newSecret || moved || tlsChanged) {
            log.info("controller: {}{}", newSecret ? "a new secret" : "moved", moved || tlsChanged ? " (listening on "
                    + plain.hostPorts() + (secure.isEmpty() ? "" : ", HTTPS on " + secure.hostPorts()) + ")" : "");
        }
        return true;
    }

    /**
     * What browsers are refused, for the sockets now listened on: the loopback-only {@code Host} check holds when
     * the plain and the HTTPS sockets are all on loopback.
     */
    private BrowserGuard guardFor(ControllerCors cors) {
        boolean loopback = plain.listening().stream().allMatch(ControllerAddress::isLoopback)
                && secure.listening().stream().allMatch(ControllerAddress::isLoopback);
        return new BrowserGuard(loopback, secret != null, cors);
    }

    /**
     * Listens for HTTPS as {@code next} says ({@code null}: not at all), when it changed: the certificate is read
     * again, then the sockets move.
     *
     * @return whether anything changed
     * @throws IllegalArgumentException when the certificate cannot be read or the address bound; nothing changed
     */
    private boolean useTls(ControllerTls next, String secretText) throws InterruptedException {
        if (java.util.Objects.equals(next, tlsKeys)) {
            return false;
        }
        if (next == null) {
            secure.rebind(List.of(), false, null);
        } else {
            Listen where = listen("external-controller-tls", next.listen(), secretText);
            if (where.warning() != null) {
                log.warn("{}", where.warning());
            }
            secure.rebind(where.addresses(), Secret.of(secretText) != null, ControllerCertificate.sslContext(next));
        }
        tlsKeys = next;
        return true;
    }

    /**
     * Closes, a second from now, the connections made before the secret or the address last changed: the reload that
     * changed them is done, and the answer to a {@code PUT /configs} that asked for it gets out first.
     */
    public synchronized void endOutdated() {
        List<Channel> clients = outdated;
        outdated = List.of();
        if (clients.isEmpty()) {
            return;
        }
        loop.next().schedule(() -> {
            log.info("controller: {} connection(s) made before the change closed", clients.size());
            for (Channel c : clients) {
                c.eventLoop().execute(() -> {
                    if (c.attr(ApiHandler.ANSWER_OWED).get() != null) {
                        c.attr(ApiHandler.CLOSE_AFTER_ANSWER).set(Boolean.TRUE); // the PUT /configs that asked for it
                    } else {
                        c.close();
                    }
                });
            }
        }, 1, TimeUnit.SECONDS);
    }

    /**
     * The dashboard folder the config names ({@code external-ui}, {@code external-ui-name}), or {@code null}; one
     * that is missing is downloaded at start, as mihomo does.
     *
     * @throws IllegalArgumentException when something other than a folder is there
     */
    public static Path uiFolder(Config c) {
        ExternalUi ui = checked(ExternalUi.of(c, c.externalUi()));
        return ui == null ? null : ui.folder();
    }

    /** What run will do about the dashboard folder, for {@code turnout check}; {@code null} when it is there. */
    public static String uiNote(Config c, String externalUiOverride) {
        ExternalUi ui = ExternalUi.of(c, externalUiOverride != null ? externalUiOverride : c.externalUi());
        return ui == null || !ui.missing() ? null
                : "external-ui " + ui.folder() + " is missing or empty; run will download the dashboard from " + ui.url();
    }

    private static ExternalUi checked(ExternalUi ui) {
        String wrong = ui == null ? null : ui.notAFolder();
        if (wrong != null) {
            throw new IllegalArgumentException(wrong);
        }
        return ui;
    }

    /**
     * Fetches the dashboard into its folder; a failure leaves what was there and says so.
     *
     * @return {@code null}, or what went wrong
     */
    String downloadUi(ExternalUi ui, String why) {
        try {
            log.info("{}: downloading the dashboard from {}", why, ui.url());
            ui.download(log::info);
            return null;
        } catch (IOException | RuntimeException e) {
            log.warn("the dashboard could not be downloaded from {} ({}); /ui/ serves what {} holds (POST /upgrade/ui"
                    + " tries again)", ui.url(), e.getMessage(), ui.folder());
            return "the dashboard could not be downloaded from " + ui.url() + ": " + e.getMessage();
        }
    }

    /**
     * The dashboard the config named at start, with the URL a dashboard last PATCHed or else the running config's;
     * {@code null} for none.
     */
    ExternalUi externalUi() {
        ExternalUi ui = externalUi;
        return ui == null ? null : new ExternalUi(ui.folder(), uiUrl(), ui.home());
    }

    /** {@code external-ui-url} as {@code GET /configs} shows it: a dashboard's PATCH, else the config's. */
    String uiUrl() {
        String patched = patchedUiUrl;
        return patched != null ? patched : ExternalUi.urlOf(turnout.config());
    }

    void uiUrl(String url) {
        this.patchedUiUrl = url;
        log.info("external-ui-url set by the controller to {}", url);
    }

    /** Clash's {@code GET /configs} as it stands, with mihomo's dashboard keys. */
    Map<String, Object> configsView() {
        Config c = turnout.config();
        Turnout.TunView tun = turnout.tun();
        // The section is read only while the TUN is off: a running one shows its own options.
        Map<String, Object> view = ClashViews.configs(c, turnout.router().current().mode(), turnout.logLevel(), tun,
                tun == null ? Turnout.tunSectionOf(c) : null);
        view.put("external-ui-url", uiUrl());
        view.put("external-ui-name", c.externalUiName() == null ? "" : c.externalUiName());
        return view;
    }

    /**
     * Where the controller listens: where {@code external-controller} asks, or, when that is reachable from other
     * machines and there is no secret, loopback instead, with {@code warning} saying why (Clash would open the API
     * to the network; a config written for it must still start).
     */
    public record Listen(String asked, List<InetSocketAddress> addresses, String warning) {
    }

    /** Reads {@code external-controller} with the secret; throws when it is not HOST:PORT. */
    public static Listen listen(String asked, String secret) {
        return listen("external-controller", asked, secret);
    }

    /** The same for the address {@code key} gives ({@code external-controller-tls}). */
    static Listen listen(String key, String asked, String secret) {
        InetSocketAddress address = ControllerAddress.parse(asked);
        if (ControllerAddress.isLoopback(address) || Secret.of(secret) != null) {
            return new Listen(asked, List.of(address), null);
        }
        List<InetSocketAddress> loopback = ControllerAddress.loopbackFor(address);
        return new Listen(asked, loopback, key + " " + asked + " would be reachable from other machines "
                + "without a 'secret', so the controller listens on " + loopback.stream().map(Controller::hostPort)
                .collect(Collectors.joining(" and ")) + " only; set a 'secret' to listen on " + asked);
    }

    static String hostPort(InetSocketAddress a) {
        String host = io.netty.util.NetUtil.toAddressString(a.getAddress());
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Binds the controller where {@code listen} ({@code HOST:PORT}) says; see {@link #listen}. */
    public static Controller start(Turnout turnout, Reloader reloader, String listen, String secret, Path externalUi,
                                   ControllerCors cors) throws InterruptedException {
        return start(turnout, reloader, listen, null, secret, externalUi, cors);
    }

    /**
     * Binds the controller where {@code listen} ({@code HOST:PORT}, or {@code null} for none) says and on the Unix
     * socket {@code socket} ({@code null} for none), which asks for no secret, as mihomo's does.
     */
    public static Controller start(Turnout turnout, Reloader reloader, String listen, Path socket, String secret,
                                   Path externalUi, ControllerCors cors) throws InterruptedException {
        Listen where = listen == null ? new Listen(null, List.of(), null) : listen(listen, secret);
        if (where.warning() != null) {
            // At the key's place when the file asked for it (not -ext-ctl)
            boolean fromFile = listen.equals(turnout.config().externalController());
            log.warn("{}{}", fromFile ? turnout.config().originOf("external-controller") + ": " : "", where.warning());
        }
        boolean loopback = where.addresses().stream().allMatch(ControllerAddress::isLoopback);
        Controller c = new Controller(turnout, reloader, secret, externalUi,
                new BrowserGuard(loopback, Secret.of(secret) != null, cors));
        try {
            c.logs.install();
            synchronized (c) {
                c.plain.rebind(where.addresses(), Secret.of(secret) != null, null);
            }
            if (socket != null) {
                c.bindUnix(socket);
            }
        } catch (RuntimeException | InterruptedException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * A controller connection's pipeline, behind TLS with {@code tls} ({@code null}: plain); {@code local} ones (the
     * Unix socket) are not asked for the secret.
     */
    private ChannelInitializer<Channel> connection(boolean local, io.netty.handler.ssl.SslContext tls) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (!budget.admit(ch, local)) {
                    ch.close();
                    return;
                }
                if (!local) {
                    tcpClients.add(ch);
                }
                ch.pipeline().addLast("timeout", new ReadTimeoutHandler(REQUEST_TIMEOUT_SECONDS));
                if (tls == null) {
                    http1(ch, local);
                    return;
                }
                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                // HTTP/2 where the client offers it (DNS over HTTPS clients require it), else HTTP/1.1.
                ch.pipeline().addLast("alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                    @Override
                    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                        if (!ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                            http1(ctx.channel(), false);
                            return;
                        }
                        ctx.pipeline().addLast("h2", Http2FrameCodecBuilder.forServer().build());
                        ctx.pipeline().addLast("streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel stream) {
                                stream.pipeline().addLast("http", new Http2StreamFrameToHttpObjectCodec(true));
                                stream.pipeline().addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES));
                                stream.pipeline().addLast("api", new ApiHandler(Controller.this, false));
                            }
                        }));
                    }
                });
            }
        };
    }

    private void http1(Channel ch, boolean local) {
        ch.pipeline().addLast("http", new HttpServerCodec(4096, 16 * 1024, 8192));
        ch.pipeline().addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES));
        // The first request whole within 10 s of the connection: the read timeout restarts at every byte, so a client
        // trickling a header line every 20 s held its place for good, and 256 of them held every place.
        ch.pipeline().addLast(HandshakeDeadline.NAME, new HandshakeDeadline(FIRST_REQUEST_MILLIS));
        ch.pipeline().addLast("api", new ApiHandler(Controller.this, local));
    }

    private void bindUnix(Path path) throws InterruptedException {
        ControllerSocket.prepare(path);
        ServerBootstrap b = new ServerBootstrap()
                .group(loop)
                .channel(Transport.serverDomainChannelType())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(connection(true, null));
        try {
            unixServer = Transport.bind(b, Transport.domainAddress(path));
            unixSocket = path;
            String who = ControllerSocket.restrict(path, System.getenv());
            log.info("controller (Clash API) listening on unix socket {}: only {} may use it, without the secret,"
                    + " as mihomo's", path, who);
        } catch (IOException e) {
            throw new IllegalArgumentException("external-controller-unix cannot listen on " + path + ": "
                    + e.getMessage(), e);
        }
    }

    /** Moves the Unix socket to {@code next} ({@code null}: none); when it cannot be bound, the old one stays. */
    private void moveUnix(Path next) throws InterruptedException {
        Channel oldServer = unixServer;
        Path oldPath = unixSocket;
        unixServer = null;
        unixSocket = null;
        if (next != null) {
            try {
                bindUnix(next);
            } catch (RuntimeException | InterruptedException e) {
                unixServer = oldServer;
                unixSocket = oldPath;
                throw e;
            }
        }
        if (oldServer != null) {
            oldServer.close().syncUninterruptibly();
            ControllerSocket.remove(oldPath);
        }
    }

    public synchronized InetSocketAddress localAddress() {
        return plain.localAddress();
    }

    /** Where HTTPS is served ({@code external-controller-tls}), or {@code null}. */
    public synchronized InetSocketAddress tlsAddress() {
        return secure.isEmpty() ? null : secure.localAddress();
    }

    Turnout turnout() {
        return turnout;
    }

    String dohPath() {
        return dohPath;
    }

    Reloader reloader() {
        return reloader;
    }

    Secret secret() {
        return secret;
    }

    BrowserGuard guard() {
        return guard;
    }

    /**
     * Where {@code PUT /configs {"path": ...}} may read a config from: the running config's folder and Turnout's base
     * folder ({@code -d}). The running config's stay the allowed ones, so that a config loaded from elsewhere does not
     * widen them.
     */
    static List<Path> configFolders(Config running) {
        List<Path> out = new ArrayList<>();
        if (running.file() != null && running.file().toAbsolutePath().getParent() != null) {
            out.add(running.file().toAbsolutePath().getParent());
        }
        out.add(running.baseDir());
        return out;
    }

    SafePaths safePaths() {
        return safePaths;
    }

    StaticFiles ui() {
        return ui;
    }

    /** Providers' updates that run at once; one more is answered 503. */
    static final int MAX_PROVIDER_UPDATES = 16;

    ExecutorService providerUpdates() {
        return providerUpdates;
    }

    ExecutorService work() {
        return work;
    }

    LogHub logs() {
        return logs;
    }

    Streams streams() {
        return streams;
    }

    /** What {@code POST /restart} does; without one it answers 500. */
    public void restartWith(Restarter restarter) {
        this.restarter = restarter;
    }

    Restarter restarter() {
        return restarter;
    }

    String logLevel() {
        return turnout.logLevel();
    }

    void logLevel(String level) {
        turnout.useLogLevel(level);
    }

    @Override
    public void close() {
        logs.uninstall();
        streams.close();
        synchronized (this) {
            plain.close();
            secure.close();
            if (unixServer != null) {
                unixServer.close().syncUninterruptibly();
            }
            if (unixSocket != null) {
                ControllerSocket.remove(unixSocket);
            }
        }
        work.shutdownNow();
        providerUpdates.shutdownNow();
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
