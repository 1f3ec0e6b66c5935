package dev.turnout.plugins.trojan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Outbound;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the host and the user see of a trojan outbound without a server: its name, type and UDP support, which
 * decide where flows go, its description in logs, and a destination the protocol cannot carry.
 */
class TrojanOutboundTest {

    /** Nothing listens here: an outbound that dialled would fail with "cannot be reached", not the name's error. */
    private static final int NOBODY = 9;

    @Test
    void isKnownByTheNameAndTypeTheConfigGives() throws Exception {
        Outbound outbound = Trojans.outbound(NOBODY, null, Map.of());
        assertEquals("tj", outbound.name());
        assertEquals("trojan", outbound.type());
        assertEquals("trojan", new TrojanType().type(), "the type a config's 'type: trojan' selects");
    }

    @Test
    void takesUdpFlowsOnlyWhenTheConfigTurnsUdpOn() throws Exception {
        assertTrue(Trojans.outbound(NOBODY, null, Map.of("udp", true)).supportsUdp());
        assertFalse(Trojans.outbound(NOBODY, null, Map.of("udp", false)).supportsUdp());
        assertFalse(Trojans.outbound(NOBODY, null, Map.of()).supportsUdp());
    }

    @Test
    void describesItselfInLogsByNameAndServer() throws Exception {
        String plain = Trojans.outbound(NOBODY, null, Map.of()).toString();
        assertTrue(plain.contains("'tj'") && plain.contains("127.0.0.1:" + NOBODY), plain);
    }

    @Test
    void aNameLongerThanTheProtocolCarriesFailsTheFlowWithoutDialling() throws Exception {
        Outbound outbound = Trojans.outbound(NOBODY, null, Map.of());
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Future<Channel> opened = outbound.openStream(Trojans.tcp(Destination.ofHost("a".repeat(256), 443)),
                    loop.next());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            assertFalse(opened.isSuccess());
            assertTrue(opened.cause().getMessage().contains("longer than 255 bytes"), opened.cause().toString());
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
