package dev.turnout.host.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Outbound;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.dial.layer.TlsLayer;
import dev.turnout.host.outbound.HostDirect;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.outbound.Outbounds;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subscription's download against servers on loopback: one deadline for all its hops, as mihomo's vehicle has one
 * context; the provider's credentials only to its own host and its subdomains, as Go's client sends them for mihomo;
 * large answer headers read, as Go's client reads them.
 */
class SubscriptionClientTest {

    private static final String LIST = "proxies:\n  - {name: n1, type: socks5, server: 192.0.2.1, port: 1080}\n";

    @TempDir
    Path home;

    private final List<ServerSocket> servers = new java.util.ArrayList<>();
    /** What each server was asked, by its address: the request's head. */
    private final Map<String, String> asked = new ConcurrentHashMap<>();
    private SystemResolver resolver;
    private Outbounds outbounds;
    private EventLoopGroup loop;

    @BeforeEach
    void setUp() throws Exception {
        resolver = new SystemResolver(Map.of());
        outbounds = new OutboundFactory(HostDirect.types(), new HostDialer(() -> SocketBinder.NONE, resolver, 5000),
                resolver).build(ConfigLoader.parse("mode: rule\n", "c.yaml", null, home));
        loop = Transport.newGroup(1, "subscription-client-test");
    }

    @AfterEach
    void tearDown() throws IOException {
        for (ServerSocket s : servers) {
            s.close();
        }
        outbounds.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        resolver.close();
    }

    /** A server on {@code address} that answers each request's head with what {@code answer} makes of it. */
    private int serve(String address, Function<String, String> answer, long delayMillis) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(address));
        servers.add(server);
        Thread serving = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        head.append((char) b);
                    }
                    asked.merge(address, head.toString(), String::concat);
                    Thread.sleep(delayMillis);
                    OutputStream out = s.getOutputStream();
                    out.write(answer.apply(head.toString()).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "subscription-server-" + address);
        serving.setDaemon(true);
        serving.start();
        return server.getLocalPort();
    }

    private static String redirect(String location) {
        return "HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    }

    private static String ok(String extraHeaders, String body) {
        return "HTTP/1.1 200 OK\r\n" + extraHeaders + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n"
                + body;
    }

    private SubscriptionClient.Response get(SubscriptionClient client, String url, Map<String, List<String>> headers)
            throws IOException, InterruptedException {
        Outbound direct = outbounds.get("DIRECT");
        return client.get(url, headers, 1 << 20, direct, loop.next());
    }

    @Test
    void redirectsShareOneDeadlineRatherThanEachHopHavingItsOwn() throws Exception {
        // Each request is answered, after 800 ms, with a redirect to the same place: five hops take 4.8 s.
        int port = serve("127.0.0.1", head -> redirect("/again"), 800);
        SubscriptionClient client = new SubscriptionClient(TlsLayer.fromEnvironment(), 2000);
        long started = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> get(client, "http://127.0.0.1:" + port + "/sub?token=secret", Map.of()));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(millis < 3500, "failed after " + millis + " ms: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("no complete answer within 2 s from http://127.0.0.1:")
                && !e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void theProvidersCredentialsGoToItsOwnHostOnlyNotWhereARedirectLeads() throws Exception {
        int other = serve("127.0.0.2", head -> ok("", LIST), 0);
        int own = serve("127.0.0.1", head -> head.startsWith("GET /first") ? redirect("/second")
                : redirect("http://127.0.0.2:" + other + "/list"), 0);
        Map<String, List<String>> headers = Map.of("Authorization", List.of("Bearer SECRET-TOKEN"),
                "Cookie", List.of("session=SECRET-COOKIE"), "X-Device", List.of("laptop"));
        SubscriptionClient.Response r = get(new SubscriptionClient(TlsLayer.fromEnvironment()),
                "http://127.0.0.1:" + own + "/first", headers);
        assertEquals(LIST, new String(r.body(), StandardCharsets.UTF_8));
        String ownAsked = asked.get("127.0.0.1");
        assertTrue(ownAsked.contains("GET /second") && ownAsked.split("SECRET-TOKEN", -1).length == 3
                && ownAsked.split("SECRET-COOKIE", -1).length == 3, "both requests to its own host carry them: "
                + ownAsked);
        String otherAsked = asked.get("127.0.0.2");
        assertFalse(otherAsked.contains("SECRET"), otherAsked);
        assertTrue(otherAsked.toLowerCase(java.util.Locale.ROOT).contains("x-device: laptop"), otherAsked);
    }

    @Test
    void aSubdomainIsTheSameSiteAndAnotherDomainOrAddressIsNot() {
        assertTrue(SubscriptionClient.sameSite("panel.example", "cdn.panel.example"));
        assertTrue(SubscriptionClient.sameSite("panel.example", "PANEL.example"));
        assertFalse(SubscriptionClient.sameSite("panel.example", "panel.example.evil"));
        assertFalse(SubscriptionClient.sameSite("panel.example", "evilpanel.example"));
        assertFalse(SubscriptionClient.sameSite("2.2", "192.0.2.2"));
    }

    @Test
    void anAnswerWithLargeHeadersIsReadAndOneTooLargeIsSaidSo() throws Exception {
        int port = serve("127.0.0.1", head -> head.startsWith("GET /big")
                ? ok("Set-Cookie: " + "x".repeat(16_000) + "\r\n", LIST)
                : ok("X-Huge: " + "x".repeat(SubscriptionClient.MAX_HEADER_BYTES + 10) + "\r\n", LIST), 0);
        SubscriptionClient client = new SubscriptionClient(TlsLayer.fromEnvironment());
        assertEquals(LIST, new String(get(client, "http://127.0.0.1:" + port + "/big", Map.of()).body(),
                StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class,
                () -> get(client, "http://127.0.0.1:" + port + "/huge", Map.of()));
        assertTrue(e.getMessage().contains("headers are larger than"), e.getMessage());
    }
}
