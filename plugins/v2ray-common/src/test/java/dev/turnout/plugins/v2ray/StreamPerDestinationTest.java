package dev.turnout.plugins.v2ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * UDP over VMess/VLESS as Clash does it: one connection per destination, opened on its first datagram; datagrams
 * sent meanwhile wait (a few) and go first, in order; replies come back named by their destination. The
 * connections here are embedded channels standing for a protocol connection whose codec frames datagrams.
 */
class StreamPerDestinationTest {

    private final EventLoop loop = new DefaultEventLoop();
    private final List<Destination> opened = new ArrayList<>();
    private final List<Promise<Channel>> openings = new ArrayList<>();
    private final List<String> received = new ArrayList<>();
    private final StreamPerDestination session = new StreamPerDestination((destination, l) -> {
        opened.add(destination);
        Promise<Channel> p = l.newPromise();
        openings.add(p);
        return p;
    }, loop, (sender, datagram) -> {
        received.add(sender + " " + datagram.toString(StandardCharsets.US_ASCII));
        datagram.release();
    });

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static List<String> written(EmbeddedChannel c) {
        List<String> out = new ArrayList<>();
        for (ByteBuf b; (b = c.readOutbound()) != null; ) {
            out.add(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return out;
    }

    private static final Destination DNS = Destination.ofHost("dns.example", 53);
    private static final Destination NTP = Destination.ofHost("198.51.100.1", 123);

    @Test
    void datagramsSentWhileItOpensGoFirstInOrderThenTheRestDirectly() throws Exception {
        EmbeddedChannel c = new EmbeddedChannel();
        c.config().setAutoRead(false);
        onLoop(() -> {
            session.send(DNS, text("a"));
            session.send(DNS, text("b"));
            return null;
        });
        assertEquals(List.of(DNS), opened, "one connection for one destination");
        onLoop(() -> openings.get(0).setSuccess(c));
        assertEquals(List.of("a", "b"), onLoop(() -> written(c)));
        assertTrue(c.config().isAutoRead(), "replies are read once it is open");
        onLoop(() -> {
            session.send(DNS, text("c"));
            return null;
        });
        assertEquals(List.of("c"), onLoop(() -> written(c)));
        assertEquals(1, opened.size());
    }

    @Test
    void onlyAShortQueueWaitsTheRestAreDroppedAndFreed() throws Exception {
        EmbeddedChannel c = new EmbeddedChannel();
        List<ByteBuf> sent = new ArrayList<>();
        onLoop(() -> {
            for (int i = 0; i < StreamPerDestination.MAX_WAITING + 4; i++) {
                ByteBuf b = text(Integer.toString(i));
                sent.add(b);
                session.send(DNS, b);
            }
            return null;
        });
        for (ByteBuf dropped : sent.subList(StreamPerDestination.MAX_WAITING, sent.size())) {
            assertEquals(0, dropped.refCnt(), "a dropped datagram is freed");
        }
        onLoop(() -> openings.get(0).setSuccess(c));
        List<String> out = onLoop(() -> written(c));
        assertEquals(StreamPerDestination.MAX_WAITING, out.size());
        assertEquals("0", out.get(0));
        assertEquals(Integer.toString(StreamPerDestination.MAX_WAITING - 1), out.get(out.size() - 1));
    }

    @Test
    void repliesComeBackNamedByTheirDestinationNameOrAddress() throws Exception {
        EmbeddedChannel byName = new EmbeddedChannel();
        EmbeddedChannel byAddress = new EmbeddedChannel();
        Destination resolved = Destination.ofAddress(InetAddress.getByName("192.0.2.5"), 5353);
        onLoop(() -> {
            session.send(DNS, text("q1"));
            session.send(resolved, text("q2"));
            openings.get(0).setSuccess(byName);
            openings.get(1).setSuccess(byAddress);
            byName.writeInbound(text("r1"));
            byAddress.writeInbound(text("r2"));
            byAddress.writeInbound("not a datagram");
            return null;
        });
        assertEquals(List.of(InetSocketAddress.createUnresolved("dns.example", 53) + " r1",
                new InetSocketAddress(InetAddress.getByName("192.0.2.5"), 5353) + " r2"), received);
    }

    @Test
    void eachDestinationHasItsOwnConnectionUpToALimitBeyondWhichDatagramsAreDropped() throws Exception {
        List<ByteBuf> last = new ArrayList<>();
        onLoop(() -> {
            for (int i = 0; i < StreamPerDestination.MAX_DESTINATIONS; i++) {
                session.send(Destination.ofHost("h" + i + ".example", 53), text("x"));
            }
            ByteBuf extra = text("y");
            last.add(extra);
            session.send(Destination.ofHost("one-too-many.example", 53), extra);
            session.send(Destination.ofHost("h0.example", 53), text("z"));
            return null;
        });
        assertEquals(StreamPerDestination.MAX_DESTINATIONS, opened.size());
        assertEquals(0, last.get(0).refCnt());
        // once one of them closes, a new destination can be reached
        EmbeddedChannel first = new EmbeddedChannel();
        onLoop(() -> openings.get(0).setSuccess(first));
        onLoop(() -> first.close());
        onLoop(() -> {
            session.send(Destination.ofHost("one-too-many.example", 53), text("y"));
            return null;
        });
        assertEquals(Destination.ofHost("one-too-many.example", 53), opened.get(opened.size() - 1));
    }

    @Test
    void aFailedOpeningFreesWhatWaitedAndTheNextDatagramTriesAgain() throws Exception {
        ByteBuf waiting = text("a");
        onLoop(() -> {
            session.send(NTP, waiting);
            return openings.get(0).setFailure(new IOException("refused"));
        });
        assertEquals(0, waiting.refCnt());
        EmbeddedChannel c = new EmbeddedChannel();
        onLoop(() -> {
            session.send(NTP, text("b"));
            return openings.get(1).setSuccess(c);
        });
        assertEquals(List.of(NTP, NTP), opened);
        assertEquals(List.of("b"), onLoop(() -> written(c)));
    }

    @Test
    void aConnectionThatClosesOrFailsIsOpenedAfreshForTheNextDatagram() throws Exception {
        EmbeddedChannel c = new EmbeddedChannel();
        onLoop(() -> {
            session.send(NTP, text("a"));
            openings.get(0).setSuccess(c);
            c.pipeline().fireExceptionCaught(new IOException("reset"));
            return null;
        });
        assertFalse(c.isOpen(), "a connection that fails is closed");
        onLoop(() -> {
            session.send(NTP, text("b"));
            return null;
        });
        assertEquals(2, opened.size());
    }

    @Test
    void afterCloseNothingIsSentOpenedOrDeliveredAndConnectionsClose() throws Exception {
        EmbeddedChannel open = new EmbeddedChannel();
        EmbeddedChannel late = new EmbeddedChannel();
        ByteBuf waiting = text("w");
        onLoop(() -> {
            session.send(DNS, text("a"));
            openings.get(0).setSuccess(open);
            session.send(NTP, waiting);
            return null;
        });
        assertTrue(session.isOpen());
        session.close(); // from another thread than the loop, as the host may
        onLoop(() -> null);
        assertFalse(session.isOpen());
        assertFalse(open.isOpen(), "its connections are closed");
        assertEquals(0, waiting.refCnt(), "what waited is freed");
        ByteBuf after = text("b");
        onLoop(() -> {
            openings.get(1).setSuccess(late);
            session.send(DNS, after);
            return null;
        });
        assertFalse(late.isOpen(), "a connection that opens after close is closed");
        assertEquals(0, after.refCnt());
        assertEquals(2, opened.size());
    }

    @Test
    void aReplyArrivingAfterCloseIsFreedNotDelivered() throws Exception {
        EmbeddedChannel c = new EmbeddedChannel();
        onLoop(() -> {
            session.send(DNS, text("a"));
            openings.get(0).setSuccess(c);
            return null;
        });
        ByteBuf reply = text("r");
        onLoop(() -> {
            // closed from another thread while the loop is busy: the reply is read before the close task runs
            Thread closer = new Thread(session::close);
            closer.start();
            closer.join();
            c.pipeline().fireChannelRead(reply);
            return null;
        });
        onLoop(() -> null);
        assertEquals(List.of(), received);
        assertEquals(0, reply.refCnt());
    }

    @Test
    void sendsFromAnotherThreadRunOnTheLoop() throws Exception {
        session.send(DNS, text("a"));
        assertEquals(List.of(DNS), onLoop(() -> new ArrayList<>(opened)));
        assertNull(onLoop(() -> null));
    }
}
