package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.turnout.host.platform.Platform;
import dev.turnout.host.platform.RouteState;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class MacPlatformTest {

    @Test
    void loadsByTheNamePlatformHolderUsesWithoutTouchingNativeCode() throws Exception {
        Platform p = (Platform) Class.forName("dev.turnout.host.platform.macos.MacPlatform")
                .getDeclaredConstructor().newInstance();
        assertEquals("macos", p.name());
    }

    @Test
    void offersNoTunOffMacOs() {
        assumeFalse(com.sun.jna.Platform.isMac(), "this checks the behaviour elsewhere");
        MacPlatform p = new MacPlatform();
        assertFalse(p.supportsTun());
        IOException e = assertThrows(IOException.class, () -> p.openTun(null, false));
        assertTrue(e.getMessage().contains("macOS"), e.getMessage());
    }

    @Test
    void refusesToRemoveRoutesItDidNotRecordBeforeRunningAnything() {
        RouteState tampered = new RouteState("macos", "utun4", List.of("-net 0.0.0.0/0 -interface en0"), null);
        IOException e = assertThrows(IOException.class, () -> new MacPlatform().removeRoutes(tampered));
        assertTrue(e.getMessage().contains("not a route record"), e.getMessage());
    }

    @Test
    void treatsRoutesGoneWithTheirDeviceAsRemoved() {
        assertTrue(MacPlatform.alreadyGone("route: writing to routing socket: not in table", "utun4"));
        assertTrue(MacPlatform.alreadyGone("route: bad address: utun4", "utun4"));
        assertFalse(MacPlatform.alreadyGone("route: bad address: utun5", "utun4"));
        assertFalse(MacPlatform.alreadyGone("route: writing to routing socket: Operation not permitted", "utun4"));
    }

    @Test
    @SuppressWarnings("deprecation") // register(Channel), as TunInbound registers its listener
    void loopsAndListenerAreOfTheHostsTransport() throws Exception {
        MacPlatform p = new MacPlatform();
        io.netty.channel.IoEventLoopGroup g = p.newEventLoopGroup(1, "mac-test");
        try {
            io.netty.channel.socket.ServerSocketChannel server = p.newServerSocketChannel();
            g.next().register(server).sync();
            assertTrue(server.isRegistered(), "the listener registers with the platform's loops");
            server.close().sync();
        } finally {
            g.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void bindingANioChannelFailsClosed() throws Exception {
        NioSocketChannel ch = new NioSocketChannel();
        try {
            IOException e = assertThrows(IOException.class, () -> new MacPlatform().bindToInterface(ch, "en0"));
            assertTrue(e.getMessage().contains("IP_BOUND_IF"), e.getMessage());
        } finally {
            ch.unsafe().closeForcibly();
        }
    }
}
