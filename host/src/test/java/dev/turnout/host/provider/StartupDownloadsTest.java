package dev.turnout.host.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.config.ProxyEntry;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.outbound.HostDirect;
import dev.turnout.host.outbound.OutboundFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads at start run side by side: subscriptions that do not answer cost one timeout, not one each. A
 * real server on loopback accepts the downloads and never answers until it holds as many at once as there are
 * providers, then drops them all; downloads made one after another would never get there (it gives up after a
 * bound and drops what it holds). Each failed provider keeps its cached copy or stays empty, and says so.
 */
class StartupDownloadsTest {

    static final int PROVIDERS = 3;

    @TempDir
    Path home;

    private SystemResolver resolver;
    private ServerSocket server;
    private final List<Socket> held = new ArrayList<>();
    private int mostAtOnce;
    private boolean dropping;

    @BeforeEach
    void setUp() throws IOException {
        resolver = new SystemResolver(Map.of());
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accepting = new Thread(this::accept, "startup-downloads-server");
        accepting.setDaemon(true);
        accepting.start();
        Thread giveUp = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(20));
            } catch (InterruptedException e) {
                return;
            }
            drop();
        }, "startup-downloads-bound");
        giveUp.setDaemon(true);
        giveUp.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        drop();
        server.close();
        resolver.close();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                boolean all;
                synchronized (this) {
                    held.add(s);
                    mostAtOnce = Math.max(mostAtOnce, held.size());
                    all = dropping || held.size() >= PROVIDERS;
                }
                if (all) {
                    drop();
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private synchronized void drop() {
        dropping = true;
        for (Socket s : held) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        held.clear();
    }

    @Test
    void unansweredSubscriptionsAreFetchedAtOnceAndEachKeepsItsCachedCopyOrStaysEmpty() throws Exception {
        String base = "http://127.0.0.1:" + server.getLocalPort() + "/";
        StringBuilder yaml = new StringBuilder("proxy-providers:\n");
        for (int i = 0; i < PROVIDERS; i++) {
            yaml.append("  p").append(i).append(": {type: http, url: '").append(base).append(i)
                    .append("', path: ./subs/p").append(i).append(".yaml, interval: 60}\n");
        }
        Config c = ConfigLoader.parse(yaml.toString(), "c.yaml", null, home);
        // p0 has a copy from an hour ago: due, and kept when the download fails.
        Path cached = c.proxyProviders().get("p0").path();
        Files.createDirectories(cached.getParent());
        Files.writeString(cached, "proxies:\n  - {name: kept, type: socks5, server: 192.0.2.1, port: 1080}\n");
        Files.setLastModifiedTime(cached, FileTime.from(Instant.now().minusSeconds(3600)));

        HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 5000);
        List<ConfigException> errors = new ArrayList<>();
        ProxyProviders.Loaded loaded;
        try (ProviderFetch fetch = ProviderFetch.compiling(
                new OutboundFactory(HostDirect.types(), dialer, resolver), c)) {
            loaded = ProxyProviders.load(c, fetch, errors);
        }
        int seen;
        synchronized (this) {
            seen = mostAtOnce;
        }
        assertEquals(PROVIDERS, seen, "downloads the server held at once");
        assertEquals(List.of(), errors);
        assertEquals(List.of("kept"), loaded.providers().get("p0").nodes().stream().map(ProxyEntry::name).toList());
        assertEquals(List.of(), loaded.providers().get("p1").nodes());
        assertEquals(List.of(), loaded.providers().get("p2").nodes());
        List<String> notes = loaded.notes();
        assertEquals(PROVIDERS, notes.size(), notes::toString);
        // The path is the subscription's credential: never written out.
        assertTrue(notes.get(0).startsWith("c.yaml:2:7: proxy provider 'p0' could not be updated from "
                + base.substring(0, base.length() - 1) + "/…: ") && !notes.get(0).contains(base + "0")
                && notes.get(0).contains("; using the cached copy, saved "), notes.get(0));
        for (int i = 1; i < PROVIDERS; i++) {
            assertTrue(notes.get(i).contains("proxy provider 'p" + i + "'")
                    && notes.get(i).endsWith("; it has no nodes until a download succeeds"), notes.get(i));
        }
    }

    @Test
    void ruleSetsAreFetchedBesideTheSubscriptionsNotAfterThem() throws Exception {
        String base = "http://127.0.0.1:" + server.getLocalPort() + "/";
        Config c = ConfigLoader.parse("proxy-providers:\n"
                + "  p0: {type: http, url: '" + base + "p0', path: ./subs/p0.yaml}\n"
                + "  p1: {type: http, url: '" + base + "p1', path: ./subs/p1.yaml}\n"
                + "rule-providers:\n"
                + "  r: {type: http, behavior: domain, url: '" + base + "r', path: ./rules/r.yaml}\n"
                + "rules:\n  - RULE-SET,r,DIRECT\n  - MATCH,DIRECT\n", "c.yaml", null, home);
        HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 5000);
        new dev.turnout.host.route.RoutingCompiler(new OutboundFactory(HostDirect.types(), dialer, resolver))
                .compile(c, dev.turnout.host.files.Downloads.MISSING).routing().outbounds().close();
        int seen;
        synchronized (this) {
            seen = mostAtOnce;
        }
        assertEquals(PROVIDERS, seen, "downloads the server held at once");
    }
}
