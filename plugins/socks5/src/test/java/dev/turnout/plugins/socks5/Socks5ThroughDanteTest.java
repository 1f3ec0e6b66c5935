package dev.turnout.plugins.socks5;

import dev.turnout.api.testing.UdpEchoRound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundOptions;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The SOCKS5 outbound against a real dante-server on 127.0.0.1, reaching local servers through it. */
class Socks5ThroughDanteTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static DaemonProcess dante;
    private static int blockedPort;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Required.that(Danted.installed(), () -> "danted is not installed (apt-get install dante-server)");
        blockedPort = LocalTcpServer.closedPort();
        dante = Danted.start(dir, "none", blockedPort);
    }

    @AfterAll
    static void stop() throws Exception {
        if (dante != null) {
            dante.close();
        }
    }

    private static Outbound socks5(int port, Map<String, Object> extra) throws Exception {
        return new Socks5Type().create(TestOptions.loopbackServer("dante", "socks5", port, extra),
                new TestContext(new PlainDialer()));
    }

    private static Metadata tcp(Destination d) {
        return Metadata.internal(Network.TCP, d);
    }

    @Test
    void connectsByAddressAndDanteLogsIt() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = socks5(dante.port(), Map.of()).openStream(tcp(Destination.of(echo.address())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            assertEquals("through dante", ChannelProbe.exchange(opened.getNow(), "through dante"));
            opened.getNow().close().sync();
            assertTrue(dante.logShows("127.0.0.1." + echo.port(), 3000), "dante's log shows the connection:\n" + dante.log());
        }
    }

    @Test
    void sendsTheNameForTheServerToResolve() throws Exception {
        // localhost resolves here too: the plugin must still leave resolving to the server, and send the name.
        assertTrue(InetAddress.getByName("localhost").isLoopbackAddress(), "this check needs a name the client can resolve");
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Destination byName = Destination.ofHost("localhost", echo.port());
            Future<Channel> opened = socks5(dante.port(), Map.of()).openStream(tcp(byName), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            assertEquals("by name", ChannelProbe.exchange(opened.getNow(), "by name"));
            opened.getNow().close().sync();
            assertTrue(dante.logShows("ATYP: 3 address: localhost." + echo.port(), 3000),
                    "dante's log shows the request by name:\n" + dante.log());
        }
    }

    @Test
    void keepsWhatTheDestinationSaysFirst() throws Exception {
        try (LocalTcpServer greeter = LocalTcpServer.greeting("220 ready\r\n")) {
            Future<Channel> opened = socks5(dante.port(), Map.of()).openStream(tcp(Destination.of(greeter.address())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            ChannelProbe probe = ChannelProbe.attach(opened.getNow());
            assertEquals("220 ready\r\n", probe.await(11, 5000));
            opened.getNow().close().sync();
        }
    }

    @Test
    void chainsOverAnotherOutboundAsItsDialer(@TempDir Path dir) throws Exception {
        // dante will not relay to itself, so the chain is SOCKS5 to a second dante through the first.
        try (DaemonProcess second = Danted.start(dir, "none", LocalTcpServer.closedPort());
             LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound inner = socks5(dante.port(), Map.of());
            Outbound outer = new Socks5Type().create(new OutboundOptions("outer", "socks5",
                    Map.of("server", "127.0.0.1", "port", second.port())), new TestContext(inner));
            Future<Channel> opened = outer.openStream(tcp(Destination.of(echo.address())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            assertEquals("through two danted", ChannelProbe.exchange(opened.getNow(), "through two danted"));
            opened.getNow().close().sync();
            assertTrue(dante.logShows("127.0.0.1." + second.port(), 3000), "first dante reached the second:\n" + dante.log());
            assertTrue(second.logShows("127.0.0.1." + echo.port(), 3000), "second dante reached the echo:\n" + second.log());
        }
    }

    @Test
    void refusalByTheServersRulesIsRejected() throws Exception {
        Destination blocked = Destination.ofAddress(InetAddress.getLoopbackAddress(), blockedPort);
        Future<Channel> opened = socks5(dante.port(), Map.of()).openStream(tcp(blocked), loop.get());
        assertTrue(opened.await(5, TimeUnit.SECONDS), "a refusal must come promptly");
        RejectedException e = assertInstanceOf(RejectedException.class, opened.cause());
        assertTrue(e.getMessage().contains("0x02"), e.getMessage());
    }

    @Test
    void unreachableDestinationNamesTheReplyCode() throws Exception {
        Destination closed = Destination.ofAddress(InetAddress.getLoopbackAddress(), LocalTcpServer.closedPort());
        Future<Channel> opened = socks5(dante.port(), Map.of()).openStream(tcp(closed), loop.get());
        assertTrue(opened.await(5, TimeUnit.SECONDS));
        IOException e = assertInstanceOf(IOException.class, opened.cause());
        assertTrue(e.getMessage().contains("0x05") && e.getMessage().contains("connection refused"), e.getMessage());
    }

    @Test
    void carriesDatagramsThroughUdpAssociate() throws Exception {
        UdpEchoRound.assertEchoes(socks5(dante.port(), Map.of("udp", true)), loop.get(), () -> "dante log:\n" + dante.log());
    }

    @Test
    void refusesDatagramsUnlessUdpIsEnabled() throws Exception {
        Outbound out = socks5(dante.port(), Map.of());
        assertFalse(out.supportsUdp());
        Destination target = Destination.ofAddress(InetAddress.getLoopbackAddress(), 9);
        Future<DatagramSession> opened = out.openDatagram(Metadata.internal(Network.UDP, target), loop.get(),
                (s, p) -> p.release());
        assertTrue(opened.await(1, TimeUnit.SECONDS));
        assertTrue(opened.cause().getMessage().contains("udp: true"), opened.cause().getMessage());
    }

    @Test
    void authenticatesWithUsernameAndPassword(@TempDir Path dir) throws Exception {
        Required.that(SystemUser.canCreate(), () -> "not root: cannot create the system user dante's username method checks");
        try (SystemUser user = SystemUser.create();
             DaemonProcess authDante = Danted.start(dir, "username", LocalTcpServer.closedPort());
             LocalTcpServer echo = LocalTcpServer.echo()) {
            Destination target = Destination.of(echo.address());
            Outbound good = socks5(authDante.port(), Map.of("username", user.name(), "password", user.password()));
            Future<Channel> opened = good.openStream(tcp(target), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause() + "\n" + authDante.logForMessage());
            assertEquals("authenticated", ChannelProbe.exchange(opened.getNow(), "authenticated"));
            opened.getNow().close().sync();

            Outbound wrong = socks5(authDante.port(), Map.of("username", user.name(), "password", "not-" + user.password()));
            Future<Channel> refused = wrong.openStream(tcp(target), loop.get());
            assertTrue(refused.await(5, TimeUnit.SECONDS));
            assertTrue(refused.cause().getMessage().contains("rejected the username and password"),
                    refused.cause().getMessage());

            Outbound none = socks5(authDante.port(), Map.of());
            Future<Channel> unauthenticated = none.openStream(tcp(target), loop.get());
            assertTrue(unauthenticated.await(5, TimeUnit.SECONDS));
            assertFalse(unauthenticated.isSuccess());
            assertTrue(unauthenticated.cause().getMessage().contains("none of the offered"),
                    unauthenticated.cause().getMessage());
        }
    }
}
