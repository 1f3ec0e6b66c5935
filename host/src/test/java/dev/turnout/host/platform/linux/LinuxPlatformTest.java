package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.host.platform.Platform;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class LinuxPlatformTest {

    private final Platform platform = new LinuxPlatform();

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
        assumeTrue(Epoll.isAvailable(), "epoll not available");
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
        assumeTrue(Epoll.isAvailable(), "epoll not available");
        assumeTrue("root".equals(System.getProperty("user.name")), "SO_BINDTODEVICE needs CAP_NET_RAW; skipped");
        EpollSocketChannel ch = new EpollSocketChannel();
        try {
            platform.bindToInterface(ch, "lo");
        } finally {
            ch.unsafe().closeForcibly();
        }
    }

    @Test
    void tellsARouteThatIsGoneFromARouteDelThatFailed() {
        assertTrue(LinuxPlatform.alreadyGone("RTNETLINK answers: No such process"));
        assertTrue(LinuxPlatform.alreadyGone("Cannot find device \"turnout0\""));
        assertFalse(LinuxPlatform.alreadyGone("RTNETLINK answers: Operation not permitted"));
    }
}
