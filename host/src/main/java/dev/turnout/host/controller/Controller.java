package dev.turnout.host.controller;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ControllerCors;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.runtime.Reloader;
import dev.turnout.host.runtime.Turnout;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clash's external controller: the REST API and WebSocket streams dashboards speak, and the dashboard
 * page at {@code /ui/}. Runs on an event loop of its own, so a busy data plane never makes the API
 * unresponsive and the API never slows flows; slow work (reloads, downloads) runs on one worker thread.
 */
public final class Controller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    /** Request bodies beyond this get 413: a config payload is large, but not this large. */
    public static final int MAX_BODY_BYTES = 1 << 20;
    /** Open connections to the controller at once; more are closed on accept. */
    public static final int MAX_CONNECTIONS = 256;
    static final int REQUEST_TIMEOUT_SECONDS = 60;

    private final Turnout turnout;
    private final Reloader reloader;
    private final Secret secret;
    private final StaticFiles ui;
    private final BrowserGuard guard;
    private final SafePaths safePaths;
    private final EventLoopGroup loop;
    private final ExecutorService work;
    private final LogHub logs = new LogHub();
    private final Streams streams;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile String logLevel;
    private Channel server;

    private Controller(Turnout turnout, Reloader reloader, String secret, Path externalUi, BrowserGuard guard) {
        this.turnout = turnout;
        this.reloader = reloader;
        this.secret = Secret.of(secret);
        this.guard = guard;
        this.safePaths = new SafePaths(turnout.config(), System.getenv("SAFE_PATHS"));
        this.ui = new StaticFiles(externalUi);
        this.logLevel = turnout.config().logLevel();
        this.loop = Transport.newGroup(1, "turnout-controller");
        this.work = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(8), r -> {
            Thread t = new Thread(r, "turnout-controller-work");
            t.setDaemon(true);
            return t;
        });
        this.streams = new Streams(turnout.flows(), loop.next());
    }

    /**
     * Starts the controller the config asks for, or returns {@code null} when it asks for none.
     *
     * @throws IllegalArgumentException when the address is unusable, or not loopback and there is no secret
     */
    public static Controller startFor(Turnout turnout, Reloader reloader) throws InterruptedException {
        Config c = turnout.config();
        if (c.externalController() == null || c.externalController().isBlank()) {
            return null;
        }
        return start(turnout, reloader, c.externalController(), c.secret(), uiFolder(c), c.externalControllerCors());
    }

    /** The {@code external-ui} folder, or {@code null}; throws when it is named but is not a folder. */
    public static Path uiFolder(Config c) {
        if (c.externalUi() == null || c.externalUi().isBlank()) {
            return null;
        }
        Path ui = c.baseDir().resolve(c.externalUi()).toAbsolutePath().normalize();
        if (!Files.isDirectory(ui)) {
            throw new IllegalArgumentException("external-ui '" + c.externalUi() + "': " + ui + " is not a folder");
        }
        return ui;
    }

    /**
     * Where {@code external-controller} asks to listen; throws when it is not HOST:PORT, or when it is reachable
     * from other machines and no secret is set.
     */
    public static InetSocketAddress address(String listen, String secret) {
        InetSocketAddress address = ControllerAddress.parse(listen);
        if (!ControllerAddress.isLoopback(address) && Secret.of(secret) == null) {
            throw new IllegalArgumentException("external-controller " + listen + " is reachable from other machines but "
                    + "no 'secret' is set; set a secret or use 127.0.0.1");
        }
        return address;
    }

    /** Binds the controller to {@code listen} ({@code HOST:PORT}); see {@link #startFor}. */
    public static Controller start(Turnout turnout, Reloader reloader, String listen, String secret, Path externalUi,
                                   ControllerCors cors) throws InterruptedException {
        InetSocketAddress address = address(listen, secret);
        Controller c = new Controller(turnout, reloader, secret, externalUi,
                new BrowserGuard(ControllerAddress.isLoopback(address), Secret.of(secret) != null, cors));
        try {
            c.bind(address);
        } catch (RuntimeException | InterruptedException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void bind(InetSocketAddress address) throws InterruptedException {
        logs.install();
        ServerBootstrap b = new ServerBootstrap()
                .group(loop)
                .channel(Transport.serverChannelType())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (connections.incrementAndGet() > MAX_CONNECTIONS) {
                            connections.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> connections.decrementAndGet());
                        ch.pipeline().addLast("timeout", new ReadTimeoutHandler(REQUEST_TIMEOUT_SECONDS));
                        ch.pipeline().addLast("http", new HttpServerCodec(4096, 16 * 1024, 8192));
                        ch.pipeline().addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES));
                        ch.pipeline().addLast("api", new ApiHandler(Controller.this));
                    }
                });
        try {
            server = b.bind(address).sync().channel();
        } catch (Exception e) {
            throw new IllegalArgumentException("external-controller cannot listen on " + address + ": " + e.getMessage(), e);
        }
        log.info("controller (Clash API) listening on {}{}", server.localAddress(),
                secret == null ? "" : ", secret required");
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    Turnout turnout() {
        return turnout;
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

    SafePaths safePaths() {
        return safePaths;
    }

    StaticFiles ui() {
        return ui;
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

    String logLevel() {
        return logLevel;
    }

    void logLevel(String level) {
        this.logLevel = level;
    }

    @Override
    public void close() {
        logs.uninstall();
        streams.close();
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        work.shutdownNow();
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
