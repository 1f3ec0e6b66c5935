package dev.turnout.plugins.reject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.RejectedException;
import dev.turnout.api.Resolver;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RejectOutboundTest {

    private static EventLoopGroup group;
    private static EventLoop loop;

    @BeforeAll
    static void startLoop() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
    }

    @AfterAll
    static void stopLoop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A context whose dialer and resolver fail the test if REJECT ever touches them. */
    private static final OutboundContext UNTOUCHABLE = new OutboundContext() {
        @Override
        public Dialer dialer() {
            throw new AssertionError("REJECT must not dial");
        }

        @Override
        public Resolver resolver() {
            throw new AssertionError("REJECT must not resolve");
        }
    };

    private static Outbound reject() throws Exception {
        return new RejectType().create(new OutboundOptions("REJECT", "reject", Map.of()), UNTOUCHABLE);
    }

    @Test
    void refusesStreamsAtOnceWithoutDialing() throws Exception {
        Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("ads.example", 443));
        Future<Channel> opened = reject().openStream(flow, loop);
        assertTrue(opened.isDone(), "REJECT must answer before returning, not later");
        RejectedException e = assertInstanceOf(RejectedException.class, opened.cause());
        assertTrue(e.getMessage().contains("ads.example:443"), e.getMessage());
        assertTrue(e.getMessage().contains("REJECT"), e.getMessage());
    }

    @Test
    void refusesDatagramSessionsAtOnce() throws Exception {
        Metadata flow = Metadata.internal(Network.UDP, Destination.ofHost("ads.example", 53));
        Future<DatagramSession> opened = reject().openDatagram(flow, loop, (sender, payload) -> payload.release());
        assertTrue(opened.await(0, TimeUnit.MILLISECONDS));
        assertInstanceOf(RejectedException.class, opened.cause());
    }

    @Test
    void isTypeRejectUnderTheUsersName() throws Exception {
        Outbound out = new RejectType().create(new OutboundOptions("block-ads", "reject", Map.of()), UNTOUCHABLE);
        assertEquals("block-ads", out.name());
        assertEquals("reject", out.type());
        assertEquals("reject", new RejectType().type());
    }
}
