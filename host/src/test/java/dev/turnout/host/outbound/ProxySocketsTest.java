package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dial.Transport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A proxy's own interface-name and routing-mark, applied to a real socket by the host's dialer. */
class ProxySocketsTest {

    @Test
    void routingMarkSetsTheSocketsFwmarkAndInterfaceNameBindsIt() throws Exception {
        assumeTrue(Transport.isEpoll(), "needs Linux with Netty's native epoll transport");
        assumeTrue("root".equals(System.getProperty("user.name")), "SO_MARK and SO_BINDTODEVICE need root");
        EventLoopGroup loops = Transport.newGroup(1, "proxy-sockets-test");
        try (SystemResolver resolver = new SystemResolver(Map.of());
             ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            HostDialer host = new HostDialer(() -> SocketBinder.NONE, resolver, 2000);
            Metadata flow = Metadata.internal(Network.TCP,
                    Destination.ofAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
            Future<Channel> marked = host.with(new ProxySockets("lo", 0x2a17).binder()).openStream(flow, loops.next());
            assertTrue(marked.await(5, TimeUnit.SECONDS) && marked.isSuccess(), () -> String.valueOf(marked.cause()));
            int localPort = ((java.net.InetSocketAddress) marked.getNow().localAddress()).getPort();
            Process ss = new ProcessBuilder("ss", "-tnie", "sport = :" + localPort).redirectErrorStream(true).start();
            String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            ss.waitFor(5, TimeUnit.SECONDS);
            assertTrue(out.contains("fwmark:0x2a17"), out);
            marked.getNow().close();

            // As mihomo's dialer: a connection to this machine is made without the interface, whatever it names.
            Future<Channel> local = host.with(new ProxySockets("nosuch-if0", 0).binder()).openStream(flow, loops.next());
            assertTrue(local.await(5, TimeUnit.SECONDS) && local.isSuccess(), () -> String.valueOf(local.cause()));
            local.getNow().close();
            // One that leaves the machine is bound; to an interface that does not exist, that fails before any
            // connect (the socket is never connected: nothing is sent to 192.0.2.1).
            Channel unconnected = Transport.newSocketChannel(true);
            loops.next().register(unconnected).syncUninterruptibly();
            try {
                assertThrows(Exception.class, () -> new ProxySockets("nosuch-if0", 0).binder()
                        .bind(unconnected, InetAddress.getByName("192.0.2.1")));
            } finally {
                unconnected.close().syncUninterruptibly();
            }
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }
}
