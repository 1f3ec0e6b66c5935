package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The URLs of groups over a proxy provider that checks its nodes, as mihomo's parser.go sets them: a group without
 * its own {@code url} tests with the provider's (its testUrl), and one with its own has it checked by the provider's
 * rounds (addTestUrlToProviders). Direct nodes probe a real HTTP server on loopback, which counts by path and query.
 */
class ProviderGroupUrlTest {

    private EventLoopGroup loops;
    private SystemResolver resolver;
    private HttpServer server;
    private final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        loops = Transport.newGroup(1, "group-url-test");
        resolver = new SystemResolver(Map.of());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            probes.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
        resolver.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private int count(String path) {
        AtomicInteger n = probes.get(path);
        return n == null ? 0 : n.get();
    }

    private static boolean await(BooleanSupplier condition, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    private Outbounds build(String probe) throws ConfigException {
        Config c = ConfigLoader.parse(String.join("\n",
                "proxy-providers:",
                "  sub:",
                "    type: inline",
                "    health-check: {enable: true, url: '" + probe + "/prov', interval: 60, lazy: false}",
                "    payload: [{name: n1, type: direct}, {name: n2, type: direct}]",
                "proxy-groups:",
                "  - {name: PLAIN, type: fallback, use: [sub]}",
                "  - {name: NF, type: fallback, use: [sub], url: '" + probe + "/nf', filter: 'n1', interval: 60,"
                        + " lazy: false}",
                ""), "t.yaml", Path.of("t.yaml"), Path.of("/base"));
        List<ConfigException> errors = new ArrayList<>();
        var loaded = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors);
        HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 2000);
        return new OutboundFactory(HostDirect.types(), dialer, resolver).build(c, loaded.providers());
    }

    @Test
    void aUseGroupTestsWithTheProvidersUrlOrHasItsOwnCheckedByTheProvider() throws Exception {
        String probe = "http://127.0.0.1:" + server.getAddress().getPort();
        Outbounds outbounds = build(probe);
        GroupSupervisor supervisor = new GroupSupervisor(loops, Selections.at(null));
        try {
            supervisor.adopt(outbounds);
            // F10: mihomo's "if test URL is empty, use the first health check URL of providers"
            assertEquals(probe + "/prov", ((ProxyGroup) outbounds.get("PLAIN")).settings().url());
            assertEquals(probe + "/nf", ((ProxyGroup) outbounds.get("NF")).settings().url());
            // F13: the provider's first round checks both nodes with its URL and n1 (NF's filter) with NF's.
            assertTrue(await(() -> count("/prov") >= 2 && count("/nf") >= 1, 15), () -> "probes seen: " + probes);
            Thread.sleep(300);
            assertEquals(1, count("/nf"), () -> "only n1 is NF's: " + probes);
            assertTrue(supervisor.book().history("n1").stream().anyMatch(h -> h.ok()), "recorded");
        } finally {
            supervisor.close();
            outbounds.close();
        }
    }
}
