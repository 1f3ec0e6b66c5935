package dev.turnout.host.inbound.socks5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.turnout.api.RejectedException;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.InboundSupport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class Socks5ServerHandlerTest {

    @Test
    void eachKindOfFailedDialGetsTheReplyThatNamesIt() {
        assertEquals(Socks5CommandStatus.FORBIDDEN, Socks5ServerHandler.statusFor(new RejectedException("REJECT")));
        assertEquals(Socks5CommandStatus.HOST_UNREACHABLE,
                Socks5ServerHandler.statusFor(new UnknownHostException("no.such.test")));
        // A LAN host that is off, a destination with no route: curl says "Host unreachable", not "General failure".
        assertEquals(Socks5CommandStatus.HOST_UNREACHABLE,
                Socks5ServerHandler.statusFor(new NoRouteToHostException("no route to host: 192.0.2.9:80")));
        assertEquals(Socks5CommandStatus.CONNECTION_REFUSED,
                Socks5ServerHandler.statusFor(new ConnectException("connection refused: 192.0.2.9:80")));
        assertEquals(Socks5CommandStatus.FAILURE, Socks5ServerHandler.statusFor(new IOException("anything else")));
    }

    @Test
    void aNameIdnCannotReadIsRefusedWithAGeneralFailureAndSaidAtDebug() {
        assertRefusedAndSaid(".example.com".getBytes(StandardCharsets.US_ASCII), "label");
    }

    @Test
    void aNameThatIsNotUtf8IsRefusedWithAGeneralFailureAndSaidAtDebug() {
        assertRefusedAndSaid(new byte[] {(byte) 0xff, (byte) 0xfe, '.', 't', 'e', 's', 't'}, "not UTF-8");
    }

    private static void assertRefusedAndSaid(byte[] name, String why) {
        Logger logger = (Logger) LoggerFactory.getLogger(InboundSupport.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Level before = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        logger.addAppender(logged);
        EmbeddedChannel ch = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
            }
        };
        try {
            // Never routed, so no tunnel is needed: the name fails in the decoder.
            ch.pipeline().addLast("socks5-encoder", Socks5ServerEncoder.DEFAULT);
            ch.pipeline().addLast("socks5-decoder", new Socks5InitialRequestDecoder());
            ch.pipeline().addLast("socks5", new Socks5ServerHandler(null, null, Authentication.NONE));
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {5, 1, 0}));
            ByteBuf method = ch.readOutbound();
            assertEquals(0, method.getByte(1), "no authentication");
            method.release();
            ByteBuf connect = Unpooled.buffer().writeBytes(new byte[] {5, 1, 0, 3, (byte) name.length})
                    .writeBytes(name).writeShort(443);
            ch.writeInbound(connect);
            ByteBuf reply = ch.readOutbound();
            assertEquals(Socks5CommandStatus.FAILURE.byteValue(), reply.getByte(1));
            reply.release();
            assertFalse(ch.isOpen(), "closed after the reply");
            assertTrue(logged.list.stream().map(ILoggingEvent::getFormattedMessage)
                            .anyMatch(m -> m.contains("failed during its handshake") && m.contains(why)),
                    "said why: " + logged.list);
        } finally {
            ch.finishAndReleaseAll();
            logger.detachAppender(logged);
            logger.setLevel(before);
        }
    }

    @Test
    void aNameBeyondAsciiIsReadAsUtf8AndGoesOnInPunycode() {
        EmbeddedChannel ch = new EmbeddedChannel(new io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder(
                Socks5ServerHandler.ADDRESSES));
        byte[] name = "例子.test".getBytes(StandardCharsets.UTF_8);
        ch.writeInbound(Unpooled.buffer().writeBytes(new byte[] {5, 1, 0, 3, (byte) name.length}).writeBytes(name)
                .writeShort(443));
        io.netty.handler.codec.socksx.v5.Socks5CommandRequest r = ch.readInbound();
        assertEquals("xn--fsqu00a.test", r.dstAddr(), "as rule sets and resolvers write it");
        ch.finishAndReleaseAll();
    }
}
