package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.host.platform.Platform;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.RawUnixChannelOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class LinuxPlatformTest {

    private final Platform platform = new LinuxPlatform();

    /** A persistent TUN's address a killed Turnout left, in the words ip gives for each family here. */
    @Test
    void anAddressTheDeviceHasAlreadyIsKnownInIpsWordsForBothFamilies() {
        assertTrue(LinuxPlatform.alreadyAssigned("Error: ipv4: Address already assigned."));
        assertTrue(LinuxPlatform.alreadyAssigned("RTNETLINK answers: File exists"));
        assertTrue(LinuxPlatform.alreadyAssigned("Error: ipv6: address already assigned."), "kernel 6.18's IPv6 words");
        assertFalse(LinuxPlatform.alreadyAssigned("Error: ipv6: address not available."));
    }

    @Test
    void refusesToBindChannelsThatCannotCarryTheOption() {
        NioSocketChannel nio = new NioSocketChannel();
        try {
            assertThrows(IOException.class, () -> platform.bindToInterface(nio, "lo"));
        } finally {
            nio.unsafe().closeForcibly();
        }
    }

    @Test
    void failsClosedForAnUnknownInterface() {
        Required.that(Epoll.isAvailable(), () -> "epoll not available");
        EpollSocketChannel ch = new EpollSocketChannel();
        try {
            assertThrows(IOException.class, () -> platform.bindToInterface(ch, "nosuchif0"));
            assertThrows(IOException.class, () -> platform.bindToInterface(ch, "a-name-far-too-long"));
        } finally {
            ch.unsafe().closeForcibly();
        }
    }

    @Test
    void bindsToLoopbackAsRoot() throws IOException {
        Required.that(Epoll.isAvailable(), () -> "epoll not available");
        Required.that("root".equals(System.getProperty("user.name")), () -> "SO_BINDTODEVICE needs CAP_NET_RAW (root)");
        // Several sockets in a row, with another name between: each gets the whole name (the name's buffer is
        // made once and shared, so one that a bind consumed would leave the next socket unbound).
        for (String name : new String[] {"lo", "lo", "nosuchif0", "lo"}) {
            EpollSocketChannel ch = new EpollSocketChannel();
            try {
                assertEquals("", boundDevice(ch), "a new socket is bound to no device");
                if (name.equals("lo")) {
                    platform.bindToInterface(ch, name);
                    assertEquals("lo", boundDevice(ch), "the device the kernel reports the socket bound to");
                } else {
                    IOException e = assertThrows(IOException.class, () -> platform.bindToInterface(ch, name));
                    assertTrue(e.getMessage().contains(name), e.getMessage());
                }
            } finally {
                ch.unsafe().closeForcibly();
            }
        }
    }

    @Test
    void tellsARouteThatIsGoneFromARouteDelThatFailed() {
        assertTrue(LinuxPlatform.alreadyGone("RTNETLINK answers: No such process"));
        assertTrue(LinuxPlatform.alreadyGone("Cannot find device \"turnout0\""));
        assertFalse(LinuxPlatform.alreadyGone("RTNETLINK answers: Operation not permitted"));
    }

    /** The socket's SO_BINDTODEVICE as the kernel reports it (getsockopt): the name, or empty when unbound. */
    private static String boundDevice(EpollSocketChannel ch) {
        ByteBuffer b = ch.config().getOption(
                new RawUnixChannelOption("SO_BINDTODEVICE", LibC.SOL_SOCKET, LibC.SO_BINDTODEVICE, LibC.IFNAMSIZ));
        StringBuilder name = new StringBuilder();
        while (b.hasRemaining()) {
            byte c = b.get();
            if (c == 0) {
                break;
            }
            name.append((char) c);
        }
        return name.toString();
    }
}
