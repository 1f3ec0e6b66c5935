package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.provider.ProxyProviders;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
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
 * A provider's scheduled health check with {@code lazy} (mihomo's default): after the first round it probes
 * only while a group holding the provider's nodes carried a flow since the last round; {@code lazy: false}
 * probes every interval. The nodes are direct ones on the host's own dialer and the probes go to a real HTTP
 * server on loopback, which counts them by path.
 */
class ProviderLazyCheckTest {

    private EventLoopGroup loops;
    private SystemResolver resolver;
    private HttpServer server;
    private final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        loops = Transport.newGroup(1, "lazy-check-test");
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

    private Outbounds build() throws ConfigException {
        String probe = "http://127.0.0.1:" + server.getAddress().getPort();
        Config c = ConfigLoader.parse(String.join("\n",
                "proxy-providers:",
                "  idle:",
                "    type: inline",
                "    health-check: {enable: true, url: '" + probe + "/idle', interval: 1, lazy: true}",
                "    payload: [{name: i1, type: direct}]",
                "  eager:",
                "    type: inline",
                "    health-check: {enable: true, url: '" + probe + "/eager', interval: 1, lazy: false}",
                "    payload: [{name: e1, type: direct}]",
                "proxy-groups:",
                "  - {name: I, type: select, use: [idle]}",
                "  - {name: E, type: select, use: [eager]}",
                ""), "t.yaml", Path.of("t.yaml"), Path.of("/base"));
        List<ConfigException> errors = new ArrayList<>();
        var loaded = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors);
        HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 2000);
        return new OutboundFactory(HostDirect.types(), dialer, resolver).build(c, loaded.providers());
    }

    @Test
    void aLazyProviderIsProbedOnceThenOnlyAfterAGroupHoldingItCarriedAFlow() throws Exception {
        Outbounds outbounds = build();
        GroupSupervisor supervisor = new GroupSupervisor(loops, Selections.at(null));
        try {
            supervisor.adopt(outbounds);
            // The eager provider is the clock: three of its rounds are three intervals of the idle one's schedule.
            assertTrue(await(() -> count("/eager") >= 3 && count("/idle") >= 1, 30),
                    () -> "probes seen: " + probes);
            assertEquals(1, count("/idle"), () -> "lazy and idle: only the first round probes; seen " + probes);
            assertTrue(supervisor.book().history("i1").get(0).ok(), "the first round reached the server");

            // A flow through group I touches the provider: its next round probes.
            Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("127.0.0.1", server.getAddress().getPort()));
            Future<Channel> opened = outbounds.get("I").openStream(flow, loops.next());
            assertTrue(opened.await(10, TimeUnit.SECONDS) && opened.isSuccess(), () -> String.valueOf(opened.cause()));
            opened.getNow().close();
            assertTrue(await(() -> count("/idle") >= 2, 10), () -> "used, yet not probed again; seen " + probes);
        } finally {
            supervisor.close();
            outbounds.close();
        }
    }

    /**
     * A flow counts until the next round, however late that round comes: on a busy machine a round can start
     * more than an interval after the flow, and a check that asked "used within the last interval" then skipped
     * the provider for good.
     */
    @Test
    void aFlowCountsForTheNextRoundEvenWhenThatRoundComesLate() throws Exception {
        Outbounds outbounds = build();
        GroupSupervisor supervisor = new GroupSupervisor(loops, Selections.at(null));
        try {
            supervisor.adopt(outbounds);
            assertTrue(await(() -> count("/eager") >= 2 && count("/idle") >= 1, 30), () -> "probes seen: " + probes);
            Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("127.0.0.1", server.getAddress().getPort()));
            Future<Channel> opened = outbounds.get("I").openStream(flow, loops.next());
            assertTrue(opened.await(10, TimeUnit.SECONDS) && opened.isSuccess(), () -> String.valueOf(opened.cause()));
            opened.getNow().close();
            // The supervisor's only event loop is busy for two intervals: its next round starts late.
            loops.next().execute(() -> {
                try {
                    Thread.sleep(2500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(await(() -> count("/idle") >= 2, 15), () -> "used, but the late round skipped it; seen " + probes);
        } finally {
            supervisor.close();
            outbounds.close();
        }
    }
}
