package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.provider.ProxyProviders;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * What the provider health-check tests share: a real HTTP server on loopback that answers every probe with 204 and
 * counts them by path, one event loop for the groups' supervisor, and the outbounds of a config whose nodes are
 * direct ones on the host's own dialer.
 */
final class ProbeServer implements AutoCloseable {

    final EventLoopGroup loops;
    private final SystemResolver resolver = new SystemResolver(Map.of());
    private final HttpServer server;
    private final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();

    ProbeServer(String loopName) throws IOException {
        loops = Transport.newGroup(1, loopName);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            probes.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    /** {@code http://127.0.0.1:port}, to which a probe's path is added. */
    String url() {
        return "http://127.0.0.1:" + port();
    }

    int port() {
        return server.getAddress().getPort();
    }

    int count(String path) {
        AtomicInteger n = probes.get(path);
        return n == null ? 0 : n.get();
    }

    /** The probes seen so far by path, for a failure's message. */
    String seen() {
        return probes.toString();
    }

    static boolean await(BooleanSupplier condition, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    /** The outbounds of {@code yaml}'s providers and groups, its providers loaded as at start. */
    Outbounds build(String yaml) throws ConfigException {
        Config c = ConfigLoader.parse(yaml, "t.yaml", Path.of("t.yaml"), Path.of("/base"));
        List<ConfigException> errors = new ArrayList<>();
        var loaded = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors);
        HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 2000);
        return new OutboundFactory(HostDirect.types(), dialer, resolver).build(c, loaded.providers());
    }

    @Override
    public void close() {
        server.stop(0);
        resolver.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
