package dev.turnout.host.provider;

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
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deadline of a subscription's download is one for all its hops, as mihomo's vehicle has one context. */
class SubscriptionClientTest {

    @TempDir
    Path home;

    private ServerSocket server;
    private SystemResolver resolver;
    private Outbounds outbounds;
    private EventLoopGroup loop;

    @BeforeEach
    void setUp() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        // Each request is answered, after 800 ms, with a redirect to the same place: five hops take 4.8 s.
        Thread serving = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    Thread.sleep(800);
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "slow-redirects");
        serving.setDaemon(true);
        serving.start();
        resolver = new SystemResolver(Map.of());
        outbounds = new OutboundFactory(HostDirect.types(), new HostDialer(() -> SocketBinder.NONE, resolver, 5000),
                resolver).build(ConfigLoader.parse("mode: rule\n", "c.yaml", null, home));
        loop = Transport.newGroup(1, "subscription-client-test");
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
        outbounds.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        resolver.close();
    }

    @Test
    void redirectsShareOneDeadlineRatherThanEachHopHavingItsOwn() {
        SubscriptionClient client = new SubscriptionClient(TlsLayer.fromEnvironment(), 2000);
        Outbound direct = outbounds.get("DIRECT");
        long started = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> client.get("http://127.0.0.1:" + server.getLocalPort()
                + "/sub?token=secret", Map.of(), 1 << 20, direct, loop.next()));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(millis < 3500, "failed after " + millis + " ms: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("no complete answer within 2 s from http://127.0.0.1:")
                && !e.getMessage().contains("secret"), e.getMessage());
    }
}
