package dev.turnout.plugins.reject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.turnout.api.TlsOptions;
import dev.turnout.api.WebSocketOptions;
import dev.turnout.api.testing.OneEventLoop;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RejectOutboundTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

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

        @Override
        public Future<Channel> tls(Channel channel, TlsOptions options) {
            throw new AssertionError("REJECT must not start TLS");
        }

        @Override
        public Future<Channel> webSocket(Channel channel, WebSocketOptions options, String host) {
            throw new AssertionError("REJECT must not open a WebSocket");
        }
    };

    private static Outbound reject() throws Exception {
        return new RejectType().create(new OutboundOptions("REJECT", "reject", Map.of()), UNTOUCHABLE);
    }

    @Test
    void refusesStreamsAtOnceWithoutDialing() throws Exception {
        Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("ads.example", 443));
        Future<Channel> opened = reject().openStream(flow, loop.get());
        assertTrue(opened.isDone(), "REJECT must answer before returning, not later");
        RejectedException e = assertInstanceOf(RejectedException.class, opened.cause());
        assertTrue(e.getMessage().contains("ads.example:443"), e.getMessage());
        assertTrue(e.getMessage().contains("REJECT"), e.getMessage());
    }

    @Test
    void refusesDatagramSessionsAtOnce() throws Exception {
        Metadata flow = Metadata.internal(Network.UDP, Destination.ofHost("ads.example", 53));
        Future<DatagramSession> opened = reject().openDatagram(flow, loop.get(), (sender, payload) -> payload.release());
        assertTrue(opened.await(0, TimeUnit.MILLISECONDS));
        assertInstanceOf(RejectedException.class, opened.cause());
    }

    @Test
    void isTypeRejectUnderTheUsersName() throws Exception {
        Outbound out = new RejectType().create(new OutboundOptions("block-ads", "reject", Map.of()), UNTOUCHABLE);
        assertEquals("block-ads", out.name());
        assertEquals("reject", out.type());
        assertEquals("reject", new RejectType().type());
        assertEquals("reject 'block-ads'", out.toString());
    }

    @Test
    void takesUdpSoThatUdpFlowsRoutedHereAreRefusedHereNotElsewhere() throws Exception {
        assertTrue(reject().supportsUdp());
    }

    @Test
    void rejectDropHoldsAStreamUnansweredThenRefusesIt() throws Exception {
        assertEquals("reject-drop", new RejectDropType().create(new OutboundOptions("REJECT-DROP", "reject-drop",
                Map.of()), UNTOUCHABLE).type());
        // Held 25 s in use (RejectDropType.HOLD_MILLIS); a shorter hold here, the same code.
        Outbound drop = new RejectOutbound("REJECT-DROP", "reject-drop", 1_500);
        Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("ads.example", 443));
        Future<Channel> opened = drop.openStream(flow, loop.get());
        assertFalse(opened.await(1, TimeUnit.SECONDS), "nothing is said while it holds");
        assertTrue(opened.await(10, TimeUnit.SECONDS));
        assertInstanceOf(RejectedException.class, opened.cause());
    }

    @Test
    void aRejectDropStreamWhoseApplicationLeftIsNotRefusedLater() throws Exception {
        Outbound drop = new RejectDropType().create(new OutboundOptions("REJECT-DROP", "reject-drop", Map.of()),
                UNTOUCHABLE);
        Future<Channel> opened = drop.openStream(Metadata.internal(Network.TCP, Destination.ofHost("a.example", 80)),
                loop.get());
        assertTrue(opened.cancel(false), "the host cancels the dial of an application that left");
        assertTrue(opened.isCancelled());
    }

    @Test
    void rejectDropSendsDatagramsNowhereAtOnce() throws Exception {
        Outbound drop = new RejectDropType().create(new OutboundOptions("REJECT-DROP", "reject-drop", Map.of()),
                UNTOUCHABLE);
        Future<DatagramSession> opened = drop.openDatagram(Metadata.internal(Network.UDP,
                Destination.ofHost("quic.example", 443)), loop.get(), (sender, payload) -> payload.release());
        assertTrue(opened.isDone());
        assertInstanceOf(RejectedException.class, opened.cause());
    }
}
