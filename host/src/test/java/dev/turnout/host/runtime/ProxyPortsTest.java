package dev.turnout.host.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The proxy ports as they move: on loopback, with real sockets, and what the instance lock is asked. */
class ProxyPortsTest {

    private final EventLoopGroup boss = Transport.newGroup(1, "ports-test-accept");
    private final EventLoopGroup workers = Transport.newGroup(1, "ports-test-io");
    private final Tunnel nowhere = (Tunnel) java.lang.reflect.Proxy.newProxyInstance(Tunnel.class.getClassLoader(),
            new Class<?>[] {Tunnel.class}, (proxy, method, args) -> {
                throw new UnsupportedOperationException("no flows in this test");
            });
    private final ProxyPorts ports = new ProxyPorts(boss, workers, nowhere, new DescriptorShortage(),
            () -> Authentication.NONE, dev.turnout.host.dial.TcpKeepAlive.DEFAULT);
    private final List<String> asked = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ports.close();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    private static Config config(String yaml) throws Exception {
        return ConfigLoader.parse(yaml.replace("|", "\n"), "t.yaml", Path.of("t.yaml"), Path.of("/base"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean listens(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void claimRecording(String refused) {
        ports.claimWith(new InstanceClaims() {
            @Override
            public void claimPort(int port) throws IOException {
                if (Integer.toString(port).equals(refused)) {
                    throw new IOException("turnout is already running in this network namespace: pid 1");
                }
                asked.add("claim " + port);
            }

            @Override
            public void giveBackPort(int port) {
                asked.add("give back " + port);
            }

            @Override
            public void claimTun() {
                asked.add("claim the TUN");
            }

            @Override
            public void giveBackTun() {
                asked.add("give back the TUN");
            }
        });
    }

    @Test
    void aPortThatMovesIsClaimedBeforeItOpensAndTheOldOneGivenBackOnceClosed() throws Exception {
        int first = freePort();
        int second = freePort();
        claimRecording(null);
        ports.listenAs(config("mixed-port: " + first));
        ports.listenAs(config("mixed-port: " + second));
        assertEquals(List.of("claim " + first, "claim " + second, "give back " + first), asked);
        assertTrue(listens("127.0.0.1", second));
        assertTrue(!listens("127.0.0.1", first), "the old port still takes clients");
    }

    @Test
    void aPortTheInstanceLockRefusesChangesNothing() throws Exception {
        int first = freePort();
        int taken = freePort();
        claimRecording(Integer.toString(taken));
        ports.listenAs(config("mixed-port: " + first));
        ConfigException e = assertThrows(ConfigException.class,
                () -> ports.listenAs(config("mixed-port: " + first + "|socks-port: " + taken)));
        assertTrue(e.getMessage().contains("socks-port cannot listen on 127.0.0.1:" + taken
                + ": turnout is already running"), e.getMessage());
        assertEquals(List.of("claim " + first), asked);
        assertTrue(listens("127.0.0.1", first));
    }

    @Test
    void aMoveToAnAddressWhereThePortIsHeldPutsTheOldListenerBack() throws Exception {
        int port = freePort();
        claimRecording(null);
        ports.listenAs(config("mixed-port: " + port));
        // Another program holds the port on the address the config moves to.
        try (ServerSocket other = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.2"))) {
            ConfigException e = assertThrows(ConfigException.class, () -> ports.listenAs(
                    config("mixed-port: " + port + "|allow-lan: true|bind-address: 127.0.0.2")));
            assertTrue(e.getMessage().contains("mixed-port cannot listen on 127.0.0.2:" + port), e.getMessage());
            assertTrue(listens("127.0.0.1", port), "the listener was not put back");
            assertEquals("127.0.0.1", ports.firstAddress().getAddress().getHostAddress());
        }
        assertEquals(List.of("claim " + port), asked, "the port stayed this instance's all along");
    }
}
