package dev.turnout.plugins.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.RejectedException;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP CONNECT outbound against a real tinyproxy on 127.0.0.1, reaching local servers through it. */
class HttpConnectThroughTinyproxyTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static LocalTcpServer echo;
    private static LocalTcpServer greeter;
    private static DaemonProcess open;
    private static DaemonProcess withAuth;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Required.that(Tinyproxy.installed(), () -> "tinyproxy is not installed (apt-get install tinyproxy)");
        echo = LocalTcpServer.echo();
        greeter = LocalTcpServer.greeting("SSH-2.0-test\r\n");
        List<Integer> allowed = List.of(echo.port(), greeter.port());
        java.nio.file.Files.createDirectories(dir.resolve("open"));
        java.nio.file.Files.createDirectories(dir.resolve("auth"));
        open = Tinyproxy.start(dir.resolve("open"), allowed, null);
        withAuth = Tinyproxy.start(dir.resolve("auth"), allowed, "alice s3cret");
    }

    @AfterAll
    static void stop() throws Exception {
        for (DaemonProcess t : new DaemonProcess[] {open, withAuth}) {
            if (t != null) {
                t.close();
            }
        }
        for (LocalTcpServer s : new LocalTcpServer[] {echo, greeter}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static Outbound http(int port, Map<String, Object> extra) throws Exception {
        return new HttpConnectType().create(TestOptions.loopbackServer("tiny", "http", port, extra),
                new TestContext(new PlainDialer()));
    }

    private static Metadata tcp(Destination d) {
        return Metadata.internal(Network.TCP, d);
    }

    @Test
    void connectsThroughTinyproxyAndItsLogShowsIt() throws Exception {
        Future<Channel> opened = http(open.port(), Map.of()).openStream(tcp(Destination.of(echo.address())), loop.get()).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
        assertEquals("through tinyproxy", ChannelProbe.exchange(opened.getNow(), "through tinyproxy"));
        opened.getNow().close().sync();
        assertTrue(open.logShows("CONNECT 127.0.0.1:" + echo.port(), 3000), "tinyproxy's log:\n" + open.log());
    }

    @Test
    void asksForTheNameNotAnAddress() throws Exception {
        Future<Channel> opened = http(open.port(), Map.of()).openStream(tcp(Destination.ofHost("localhost", echo.port())), loop.get()).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause() + "\n" + open.logForMessage());
        assertEquals("by name", ChannelProbe.exchange(opened.getNow(), "by name"));
        opened.getNow().close().sync();
        assertTrue(open.logShows("CONNECT localhost:" + echo.port(), 3000), "tinyproxy's log:\n" + open.log());
    }

    @Test
    void keepsWhatTheDestinationSaysFirst() throws Exception {
        Future<Channel> opened = http(open.port(), Map.of()).openStream(tcp(Destination.of(greeter.address())), loop.get()).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
        String pipeline = opened.getNow().pipeline().names().toString();
        ChannelProbe probe = ChannelProbe.attach(opened.getNow());
        assertEquals("SSH-2.0-test\r\n", probe.await(14, 5000), () -> pipeline + "\n" + open.logForMessage());
        opened.getNow().close().sync();
    }

    @Test
    void authenticatesWithBasicCredentials() throws Exception {
        Outbound out = http(withAuth.port(), Map.of("username", "alice", "password", "s3cret"));
        Future<Channel> opened = out.openStream(tcp(Destination.of(echo.address())), loop.get()).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
        assertEquals("authenticated", ChannelProbe.exchange(opened.getNow(), "authenticated"));
        opened.getNow().close().sync();
    }

    @Test
    void missingOrWrongCredentialsFailNamingProxyAuthentication() throws Exception {
        Future<Channel> none = http(withAuth.port(), Map.of()).openStream(tcp(Destination.of(echo.address())), loop.get());
        assertTrue(none.await(5, TimeUnit.SECONDS));
        IOException e = assertInstanceOf(IOException.class, none.cause());
        assertTrue(e.getMessage().contains("407") && e.getMessage().contains("no username is configured"), e.getMessage());

        Outbound wrong = http(withAuth.port(), Map.of("username", "alice", "password", "guess"));
        Future<Channel> refused = wrong.openStream(tcp(Destination.of(echo.address())), loop.get());
        assertTrue(refused.await(5, TimeUnit.SECONDS));
        assertTrue(refused.cause().getMessage().contains("credentials refused"), refused.cause().getMessage());
    }

    @Test
    void aPortTheProxyForbidsIsRejected() throws Exception {
        Destination forbidden = Destination.ofAddress(InetAddress.getLoopbackAddress(), LocalTcpServer.closedPort());
        Future<Channel> opened = http(open.port(), Map.of()).openStream(tcp(forbidden), loop.get());
        assertTrue(opened.await(5, TimeUnit.SECONDS), "a refusal must come promptly");
        RejectedException e = assertInstanceOf(RejectedException.class, opened.cause());
        assertTrue(e.getMessage().contains("403"), e.getMessage());
        assertTrue(open.logShows("Refused CONNECT method on port " + forbidden.port(), 3000), open.log());
    }

    @Test
    void carriesNoUdp() throws Exception {
        Outbound out = http(open.port(), Map.of());
        assertFalse(out.supportsUdp());
        var opened = out.openDatagram(Metadata.internal(Network.UDP, Destination.of(echo.address())), loop.get(),
                (s, p) -> p.release());
        assertTrue(opened.await(1, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, opened.cause());
    }
}
