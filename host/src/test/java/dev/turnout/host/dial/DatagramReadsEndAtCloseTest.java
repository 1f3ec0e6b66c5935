package dev.turnout.host.dial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.DatagramSocketAddress;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DatagramReadsEndAtCloseTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private EventLoopGroup group;

    @BeforeEach
    void start() {
        assumeTrue(Transport.isEpoll(), "Netty's epoll transport (Linux) is what this works around");
        group = Transport.newGroup(1, "reads-end-test");
    }

    @AfterEach
    void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * The race made deterministic: a UDP socket that closes itself on its first datagram (as a DNS query's does on
     * its answer), and in that same instant a new socket gets its descriptor number and a datagram of its own.
     * Netty's loop then read the newcomer's datagram into the closed channel; the newcomer must keep it.
     */
    @Test
    void aSocketThatClosesOnItsFirstDatagramDoesNotReadTheNextSocketToTakeItsNumber() throws Exception {
        closeOnFirstDatagramWhileAnotherSocketTakesTheNumber(new Bootstrap());
    }

    /** A bootstrap that sets its own allocator (as the DNS server's does) after the channel is made: still so. */
    @Test
    void itHoldsWhenTheBootstrapSetsItsOwnAllocator() throws Exception {
        closeOnFirstDatagramWhileAnotherSocketTakesTheNumber(new Bootstrap()
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048).maxMessagesPerRead(16)));
    }

    @SuppressWarnings("deprecation") // maxMessagesPerRead on the allocator: as Netty 4.2 still reads it
    private void closeOnFirstDatagramWhileAnotherSocketTakesTheNumber(Bootstrap bootstrap) throws Exception {
        List<String> readAfterClose = new CopyOnWriteArrayList<>();
        CompletableFuture<Socket> newcomer = new CompletableFuture<>();
        Channel ch = bootstrap.group(group).channelFactory(Transport::newDatagramChannel)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) throws Exception {
                        if (!ctx.channel().isOpen()) {
                            readAfterClose.add(packet.content().toString(StandardCharsets.US_ASCII));
                            return;
                        }
                        int number = ((UnixChannel) ctx.channel()).fd().intValue();
                        ctx.channel().close();
                        newcomer.complete(takeNumber(number));
                    }
                })
                .bind(new InetSocketAddress(LOOPBACK, 0)).sync().channel();

        try (DatagramSocket client = new DatagramSocket(0, LOOPBACK)) {
            client.send(new java.net.DatagramPacket(new byte[] {'q'}, 1, ch.localAddress()));
            Socket taken = newcomer.get(5, TimeUnit.SECONDS);
            try {
                assertTrue(ch.closeFuture().await(5, TimeUnit.SECONDS));
                ch.eventLoop().submit(() -> { }).sync(); // the read loop that closed it has ended
                assertEquals(List.of(), readAfterClose, "the closed channel read the newcomer's datagram");
                ByteBuffer buf = ByteBuffer.allocateDirect(64);
                DatagramSocketAddress from = taken.recvFrom(buf, 0, buf.capacity());
                assertNotNull(from, "the newcomer's datagram was taken from its socket");
                assertEquals("for the newcomer", StandardCharsets.US_ASCII.decode(buf.limit(from.receivedAmount())).toString());
            } finally {
                taken.close();
            }
        }
    }

    /**
     * Opens sockets until one gets descriptor {@code number} (the lowest free one comes first; lower ones that are
     * free are taken and given back), binds it on loopback and sends it a datagram, which arrives at once.
     */
    private static Socket takeNumber(int number) throws Exception {
        List<Socket> lower = new ArrayList<>();
        try {
            for (int i = 0; i < 1024; i++) {
                Socket s = Socket.newSocketDgram();
                if (s.intValue() != number) {
                    lower.add(s);
                    continue;
                }
                s.bind(new InetSocketAddress(LOOPBACK, 0));
                try (DatagramSocket sender = new DatagramSocket(0, LOOPBACK)) {
                    byte[] payload = "for the newcomer".getBytes(StandardCharsets.US_ASCII);
                    sender.send(new java.net.DatagramPacket(payload, payload.length, s.localAddress()));
                }
                return s;
            }
            throw new IllegalStateException("descriptor " + number + " was not handed out again in 1,024 sockets");
        } finally {
            for (Socket s : lower) {
                s.close();
            }
        }
    }
}
