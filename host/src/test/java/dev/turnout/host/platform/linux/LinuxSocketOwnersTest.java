package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.testing.Required;
import dev.turnout.host.platform.SocketOwner;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real kernel's sock_diag and /proc, asked about this JVM's own sockets. */
class LinuxSocketOwnersTest {

    private final LinuxSocketOwners owners = new LinuxSocketOwners();
    private long myUid;
    private String myExe;

    @BeforeEach
    void onLinux() throws Exception {
        Required.that(Files.isDirectory(Path.of("/proc/self/fd")), () -> "not Linux: no /proc");
        myUid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        myExe = Files.readSymbolicLink(Path.of("/proc/self/exe")).toString();
    }

    @Test
    void findsTheUidAndExecutableOfAConnectedTcpSocket() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 1, loopback);
             Socket client = new Socket(loopback, server.getLocalPort());
             Socket accepted = server.accept()) {
            SocketOwner o = owners.find(false, (InetSocketAddress) client.getLocalSocketAddress(),
                    server.getLocalPort());
            assertNotNull(o, "the client's socket exists");
            assertEquals(myUid, o.uid());
            assertEquals(myExe, o.path());
            assertEquals(Path.of(myExe).getFileName().toString(), o.name());
            assertNull(owners.find(false, (InetSocketAddress) client.getLocalSocketAddress(),
                    server.getLocalPort() == 1 ? 2 : 1), "a socket connected elsewhere is not this one");
        }
    }

    @Test
    void findsUdpSocketsBoundToTheAddressOrToTheWildcard() throws Exception {
        try (DatagramSocket bound = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket any = new DatagramSocket(0)) {
            SocketOwner o = owners.find(true, (InetSocketAddress) bound.getLocalSocketAddress(), 0);
            assertNotNull(o);
            assertEquals(myExe, o.path());
            SocketOwner w = owners.find(true, new InetSocketAddress("127.0.0.1", any.getLocalPort()), 0);
            assertNotNull(w, "an unconnected socket bound to the wildcard sends from any address");
            assertEquals(myUid, w.uid());
        }
    }

    @Test
    void findsNothingForAPortNoSocketHolds() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            free = s.getLocalPort();
        }
        assertNull(owners.find(false, new InetSocketAddress("127.0.0.1", free), 7890));
    }
}
