package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Outbound;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.host.config.StatusRanges;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dial.Transport;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Health kept per test URL, as mihomo's {@code extra}: a dashboard's test with a URL of its own shows in the delays
 * but never moves a group, and a dashboard's group test fetches the URL and keeps the timeout it asks for. Real
 * loopback servers, dialled by the host's own dialer.
 */
class HealthByTestUrlTest {

    private EventLoopGroup loops;
    private SystemResolver resolver;
    private HostDialer dialer;
    private GroupSupervisor supervisor;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<String, Outbound> all = new LinkedHashMap<>();

    @BeforeEach
    void setUp() {
        loops = Transport.newGroup(1, "health-url-test");
        resolver = new SystemResolver(Map.of());
        dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 2000);
        supervisor = new GroupSupervisor(loops, Selections.at(null));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        supervisor.close();
        resolver.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Answers the request on each connection with {@code status} after {@code delayMillis}. */
    private String server(int status, long delayMillis) throws IOException {
        LocalTcpServer server = LocalTcpServer.serving(s -> {
            LocalTcpServer.readHttpHead(s.getInputStream());
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                return;
            }
            s.getOutputStream().write(("HTTP/1.1 " + status + " X\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
        });
        open.add(server);
        return "http://127.0.0.1:" + server.port() + "/generate_204";
    }

    /** A URL nothing answers: its port was free a moment ago. */
    private static String refused() throws IOException {
        return "http://127.0.0.1:" + LocalTcpServer.closedPort() + "/generate_204";
    }

    private ProxyGroup group(String name, String type, String url, String... members) {
        for (String m : members) {
            all.putIfAbsent(m, new DelayProbeTest.DialingLeaf(m, dialer));
        }
        ProxyGroup g = new ProxyGroup(name, type, List.of(members), all);
        all.put(name, g);
        g.configure(new GroupSettings(url, 0, 50, 5000), supervisor.book());
        return g;
    }

    private static <T> T await(Future<T> f) throws InterruptedException {
        assertTrue(f.await(20, TimeUnit.SECONDS), "not done");
        return f.getNow();
    }

    @Test
    void aDashboardsTestWithAnotherUrlShowsButNeverMovesAFallbackGroup() throws Exception {
        String own = server(204, 0);
        all.put("dead", new Outbound() {
            public String name() {
                return "dead";
            }

            public String type() {
                return "socks5";
            }

            public boolean supportsUdp() {
                return false;
            }

            public Future<io.netty.channel.Channel> openStream(dev.turnout.api.Metadata flow,
                                                                io.netty.channel.EventLoop loop) {
                return loop.newFailedFuture(new IOException("no route to host"));
            }

            public Future<dev.turnout.api.DatagramSession> openDatagram(dev.turnout.api.Metadata flow,
                    io.netty.channel.EventLoop loop, dev.turnout.api.DatagramSession.Receiver r) {
                return loop.newFailedFuture(new IOException("no route to host"));
            }
        });
        ProxyGroup fb = group("FB", "fallback", own, "dead", "s5");
        await(supervisor.checkGroup(fb, loops.next()));
        assertEquals("s5", fb.now(), "dead is down by the group's own URL");

        // the dashboard tests s5 with a URL of its own that fails from here (the report's F4)
        Future<Integer> theirs = supervisor.delay(all.get("s5"), refused(), 2000, loops.next());
        assertTrue(theirs.await(10, TimeUnit.SECONDS));
        assertFalse(theirs.isSuccess());
        assertFalse(supervisor.book().alive("s5"), "shown down, as mihomo's alive: the last test at all");
        assertEquals("s5", fb.now(), "judged by the group's own URL, which s5 passed");
        assertTrue(supervisor.book().historyByUrl("s5").keySet().containsAll(List.of(own)));
        assertEquals(2, supervisor.book().historyByUrl("s5").size(), "each URL's checks apart");
    }

    @Test
    void aUrlTestGroupChoosesByItsOwnUrlWhateverADashboardMeasuredWithAnother() throws Exception {
        String own = server(204, 0);
        ProxyGroup auto = group("Auto", "url-test", own, "a", "b");
        supervisor.book().record("a", own, 40);
        supervisor.book().record("b", own, 400);
        auto.reevaluate();
        assertEquals("a", auto.now());
        // a dashboard's group test with its own URL: a is down there, b fast
        String theirs = "http://192.0.2.1/generate_204";
        supervisor.book().record("a", theirs, 0);
        supervisor.book().record("b", theirs, 5);
        auto.reevaluate();
        assertEquals("a", auto.now(), "its own URL's delays decide");
        assertEquals(5, supervisor.book().lastDelay("b"), "the displayed delay is the last test's");
    }

    @Test
    void withoutChecksOfItsOwnUrlAGroupGoesByTheLastCheckAtAll() {
        // a provider checks its nodes with its own URL, and the groups holding them leave them out of their rounds
        ProxyGroup fb = group("FB", "fallback", "http://192.0.2.1/own", "n1", "n2");
        supervisor.book().record("n1", "http://192.0.2.1/provider", 0);
        supervisor.book().record("n2", "http://192.0.2.1/provider", 30);
        assertEquals("n2", fb.now(), "as mihomo's AliveForTestUrl: the provider's check speaks for n1");
    }

    @Test
    void aGroupTestFetchesTheAskedUrlThroughEveryMemberWithinTheAskedTimeout() throws Exception {
        String own = server(204, 0);
        String slow = server(204, 3000);
        String asked = server(204, 0);
        ProxyGroup g = group("G", "select", own, "x", "y");

        Map<String, Integer> answered = await(supervisor.testGroup(g, asked, 5000, StatusRanges.ANY, loops.next()));
        assertEquals(List.of("x", "y"), List.copyOf(answered.keySet()));
        assertEquals(1, supervisor.book().historyByUrl("x").get(asked).size());
        assertFalse(supervisor.book().historyByUrl("x").containsKey(own), "the group's own URL was not fetched");

        long start = System.nanoTime();
        Map<String, Integer> late = await(supervisor.testGroup(g, slow, 500, StatusRanges.ANY, loops.next()));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Map.of(), late, "the URL answers after 3 s, the test was given 500 ms");
        assertTrue(tookMillis < 2500, "took " + tookMillis + " ms");

        assertEquals(Map.of(), await(supervisor.testGroup(g, asked, 5000, StatusRanges.parse("200"),
                loops.next())), "a 204 where 200 is expected counts as down");
        assertEquals(Map.of(), await(supervisor.testGroup(g, refused(), 5000, StatusRanges.ANY, loops.next())));
    }
}
