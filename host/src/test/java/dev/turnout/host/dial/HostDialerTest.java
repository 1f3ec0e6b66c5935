package dev.turnout.host.dial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HostDialerTest {

    private static final int BULK = 4 * 1024 * 1024;

    /**
     * A plugin reads its proxy's handshake reply from the stream before the relay takes it over. Netty sizes a
     * channel's reads with a handle made at its first read, so the relay's bulk sizing has to be on the channel
     * from the start: set only at relay time, every later read asked for at most 64 KiB (TUN -> SOCKS5 downloads
     * did five syscalls per 64 KiB).
     */
    @Test
    void aStreamThatReadAHandshakeFirstStillReadsBulkInPiecesOverSixtyFourKib() throws Exception {
        EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        CountDownLatch bulkWritten = new CountDownLatch(1);
        try (SystemResolver resolver = new SystemResolver(Map.of());
             ServerSocket proxy = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = proxy.accept()) {
                    s.setSendBufferSize(2 * BULK);
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    out.write(new byte[] {5, 0});
                    out.flush();
                    if (in.read() == 'g') {
                        out.write(new byte[BULK]);
                        out.flush();
                        bulkWritten.countDown();
                        in.read(); // until the client closes
                    }
                } catch (Exception e) {
                    // the test's own assertions say what went wrong
                }
            }, "bulk-proxy");
            server.setDaemon(true);
            server.start();

            HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 2000);
            Future<Channel> dialled = dialer.openStream(Metadata.internal(Network.TCP,
                    Destination.ofAddress(InetAddress.getLoopbackAddress(), proxy.getLocalPort())), loops.next());
            assertTrue(dialled.await(5, TimeUnit.SECONDS) && dialled.isSuccess(), () -> String.valueOf(dialled.cause()));
            Channel stream = dialled.getNow();
            // Room for the whole transfer in the kernel, so it is all there when reading starts again.
            stream.config().setOption(ChannelOption.SO_RCVBUF, 2 * BULK);

            CompletableFuture<Integer> handshake = new CompletableFuture<>();
            AtomicLong received = new AtomicLong();
            AtomicInteger largestRead = new AtomicInteger();
            CountDownLatch allRead = new CountDownLatch(1);
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf buf = (ByteBuf) msg;
                    int n = buf.readableBytes();
                    buf.release();
                    if (!handshake.isDone()) {
                        handshake.complete(n);
                        return;
                    }
                    largestRead.accumulateAndGet(n, Math::max);
                    if (received.addAndGet(n) >= BULK) {
                        allRead.countDown();
                    }
                }
            });
            stream.read();
            assertEquals(2, handshake.get(5, TimeUnit.SECONDS), "the handshake reply, read as a plugin would");

            stream.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {'g'}));
            assertTrue(bulkWritten.await(10, TimeUnit.SECONDS), "the proxy wrote its bulk");
            stream.config().setAutoRead(true);
            assertTrue(allRead.await(10, TimeUnit.SECONDS), "read " + received.get() + " of " + BULK + " bytes");
            assertTrue(largestRead.get() > 64 * 1024,
                    "largest read " + largestRead.get() + " bytes: reads are still capped at Netty's 64 KiB");
            stream.close().await(5, TimeUnit.SECONDS);
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    /** A listener on {@code address} that never accepts, with its queue full: connecting to it hangs until timeout. */
    private static ServerSocket unanswering(String address, java.util.List<Socket> fillers) throws Exception {
        ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName(address));
        for (int i = 0; i < 2; i++) {
            Socket queued = new Socket();
            queued.connect(silent.getLocalSocketAddress(), 2000);
            fillers.add(queued);
        }
        return silent;
    }

    private static String peer(Channel ch) {
        java.net.InetSocketAddress a = (java.net.InetSocketAddress) ch.remoteAddress();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static Future<Channel> dial(HostDialer dialer, String host, int port, EventLoopGroup loops) {
        return dialer.openStream(Metadata.internal(Network.TCP, Destination.ofHost(host, port)), loops.next());
    }

    /**
     * A listener on 127.0.0.3 that never answers ({@link #unanswering}), the name silent.test for it (many.test for it
     * twelve times over), and a loop to dial from; closing it closes them all.
     */
    private static final class Unanswered implements AutoCloseable {
        final EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        final java.util.List<Socket> fillers = new java.util.ArrayList<>();
        final ServerSocket listener;
        final SystemResolver resolver;

        Unanswered() throws Exception {
            listener = unanswering("127.0.0.3", fillers);
            InetAddress silent = InetAddress.getByName("127.0.0.3");
            resolver = new SystemResolver(Map.of("silent.test", java.util.List.of(silent),
                    "many.test", java.util.Collections.nCopies(12, silent)));
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            resolver.close();
            listener.close();
            for (Socket f : fillers) {
                f.close();
            }
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAddressThatNeverAnswersFailsAtTheConnectTimeoutNamingItAndItsSocketIsClosed() throws Exception {
        try (Unanswered silent = new Unanswered()) {
            java.util.List<Channel> made = new java.util.concurrent.CopyOnWriteArrayList<>();
            HostDialer dialer = new HostDialer(() -> channel -> made.add(channel), silent.resolver, 500);
            long start = System.nanoTime();
            Future<Channel> never = dial(dialer, "silent.test", silent.port(), silent.loops);
            assertTrue(never.await(10, TimeUnit.SECONDS), "the dial ended");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(never.cause() instanceof io.netty.channel.ConnectTimeoutException, String.valueOf(never.cause()));
            assertEquals("connection timed out after 500 ms: 127.0.0.3:" + silent.port(), never.cause().getMessage());
            assertTrue(millis >= 450 && millis < 5_000, "failed after " + millis + " ms, with a 500 ms timeout");
            assertEquals(1, made.size(), "one socket was made");
            assertTrue(made.get(0).closeFuture().await(5, TimeUnit.SECONDS), "and closed: no SYN goes on being retried");
        }
    }

    @Test
    void aRefusedConnectSaysSoInPlainWordsNamingTheAddressAndStaysAConnectException() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        try {
            HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, new SystemResolver(Map.of()), 2000);
            Future<Channel> refused = dialer.openStream(Metadata.internal(Network.TCP,
                    Destination.ofAddress(InetAddress.getByName("127.0.0.1"), closed)), loops.next());
            assertTrue(refused.await(10, TimeUnit.SECONDS), "the dial ended");
            // Netty's own words were "finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:N".
            assertEquals("connection refused: 127.0.0.1:" + closed, refused.cause().getMessage());
            assertTrue(refused.cause() instanceof java.net.ConnectException, refused.cause().getClass().getName());
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientOfAnotherMachineMayNotReachThisMachinesLoopbackByAddressOrByName() throws Exception {
        EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        try (ServerSocket s = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
             SystemResolver resolver = new SystemResolver(Map.of("dev.test",
                     java.util.List.of(InetAddress.getByName("127.0.0.1"))))) {
            HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 2000);
            java.net.InetSocketAddress lan = new java.net.InetSocketAddress("203.0.113.77", 50000);
            java.net.InetSocketAddress here = new java.net.InetSocketAddress("127.0.0.1", 50000);
            for (Destination d : new Destination[] {Destination.ofAddress(InetAddress.getByName("127.0.0.1"),
                    s.getLocalPort()), Destination.ofHost("dev.test", s.getLocalPort()),
                    Destination.ofAddress(InetAddress.getByName("0.0.0.0"), s.getLocalPort())}) {
                Future<Channel> refused = dialer.openStream(new Metadata(Network.TCP, d, lan, "mixed", null),
                        loops.next());
                assertTrue(refused.await(10, TimeUnit.SECONDS));
                assertTrue(refused.cause() instanceof java.net.ConnectException, d + ": " + refused.cause());
                assertTrue(refused.cause().getMessage().endsWith(":" + s.getLocalPort() + " is this machine's"
                        + " loopback, which a client of another machine (203.0.113.77) may not reach"),
                        refused.cause().getMessage());

                Future<Channel> local = dialer.openStream(new Metadata(Network.TCP, d, here, "mixed", null),
                        loops.next());
                assertTrue(local.await(10, TimeUnit.SECONDS));
                assertTrue(local.isSuccess(), d + " from this machine: " + local.cause());
                local.getNow().close();
                Future<Channel> own = dialer.openStream(Metadata.internal(Network.TCP, d), loops.next());
                assertTrue(own.await(10, TimeUnit.SECONDS));
                assertTrue(own.isSuccess(), d + " for Turnout itself (a proxy server on loopback): " + own.cause());
                own.getNow().close();
            }
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void theAttemptsThatLostAreAllClosedWhenOneConnects() throws Exception {
        EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        java.util.List<Socket> fillers = new java.util.ArrayList<>();
        java.util.List<Channel> made = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocket silent = unanswering("127.0.0.3", fillers);
             ServerSocket server = new ServerSocket(silent.getLocalPort(), 50, InetAddress.getByName("127.0.0.1"));
             SystemResolver resolver = new SystemResolver(Map.of("three.test", java.util.List.of(
                     InetAddress.getByName("127.0.0.3"), InetAddress.getByName("127.0.0.3"),
                     InetAddress.getByName("127.0.0.1"))))) {
            HostDialer dialer = new HostDialer(() -> made::add, resolver, 10_000, 0); // all at once
            Future<Channel> won = dial(dialer, "three.test", silent.getLocalPort(), loops);
            assertTrue(won.await(5, TimeUnit.SECONDS) && won.isSuccess(), String.valueOf(won.cause()));
            assertEquals(3, made.size());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (made.stream().filter(Channel::isOpen).count() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // Closing the first loser took it out of the list being walked: the walk threw and the second stayed
            // in SYN-SENT until the connect timeout.
            assertEquals(java.util.List.of(won.getNow()), made.stream().filter(Channel::isOpen).toList());
            won.getNow().close();
        } finally {
            for (Socket f : fillers) {
                f.close();
            }
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aNameWithManySilentAddressesKeepsAtMostFourAttemptsWaitingAtOnce() throws Exception {
        try (Unanswered silent = new Unanswered()) {
            java.util.List<Channel> made = new java.util.concurrent.CopyOnWriteArrayList<>();
            HostDialer dialer = new HostDialer(() -> made::add, silent.resolver, 10_000, 20);
            Future<Channel> dial = dial(dialer, "many.test", silent.port(), silent.loops);
            Thread.sleep(1000); // 50 attempt delays: every address would have been tried
            assertFalse(dial.isDone());
            assertEquals(HostDialer.MAX_WAITING_ATTEMPTS, made.size(), "the rest wait for one of these to fail");
            dial.cancel(false);
        }
    }

    @Test
    void whatAnAttemptStillConnectingReportsIsNotAWarningWithAStackTrace() throws Exception {
        try (Unanswered silent = new Unanswered();
             dev.turnout.host.testing.CapturedLog log = new dev.turnout.host.testing.CapturedLog()) {
            java.util.List<Channel> made = new java.util.concurrent.CopyOnWriteArrayList<>();
            Future<Channel> dial = dial(new HostDialer(() -> made::add, silent.resolver, 10_000), "silent.test",
                    silent.port(), silent.loops);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (made.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // As Netty's read of a socket woken while connecting reports it.
            made.get(0).pipeline().fireExceptionCaught(new java.nio.channels.NotYetConnectedException());
            made.get(0).eventLoop().submit(() -> { }).sync();
            assertEquals(java.util.List.of(), log.warnings("io.netty.channel.DefaultChannelPipeline"));
            dial.cancel(false);
        }
    }

    @Test
    void aDatagramSessionHandsOnRepliesOfEverySizeWhole() throws Exception {
        EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        try (java.net.DatagramSocket echo = new java.net.DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            Thread server = new Thread(() -> {
                byte[] buf = new byte[65_535];
                try {
                    for (int i = 0; i < 4; i++) {
                        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                        echo.receive(p);
                        echo.send(new java.net.DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            });
            server.setDaemon(true);
            server.start();
            java.util.concurrent.LinkedBlockingQueue<Integer> sizes = new java.util.concurrent.LinkedBlockingQueue<>();
            HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, new SystemResolver(Map.of()), 2000);
            Future<dev.turnout.api.DatagramSession> open = dialer.openDatagram(Metadata.internal(Network.UDP,
                    Destination.ofAddress(InetAddress.getByName("127.0.0.1"), echo.getLocalPort())), loops.next(),
                    (from, content) -> {
                        sizes.add(content.readableBytes());
                        content.release();
                    });
            assertTrue(open.await(10, TimeUnit.SECONDS) && open.isSuccess(), String.valueOf(open.cause()));
            for (int size : new int[] {100, 2049, 9000, 65_507}) {
                open.getNow().send(Destination.ofAddress(InetAddress.getByName("127.0.0.1"), echo.getLocalPort()),
                        io.netty.buffer.Unpooled.wrappedBuffer(new byte[size]));
                assertEquals(size, sizes.poll(10, TimeUnit.SECONDS), "Netty's 2,048-byte reads cut it");
            }
            open.getNow().close();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBurstOfRepliesWaitsWholeInTheKernelWhileTheLoopIsBusy() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        long rmemMax = Long.parseLong(java.nio.file.Files.readString(
                java.nio.file.Path.of("/proc/sys/net/core/rmem_max")).trim());
        org.junit.jupiter.api.Assumptions.assumeTrue(root || rmemMax >= Transport.RELAY_RECEIVE_BUFFER,
                "a buffer past rmem_max (" + rmemMax + ") needs root (SO_RCVBUFFORCE)");
        EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        try (java.net.DatagramSocket server = new java.net.DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            server.setSoTimeout(10_000);
            AtomicInteger received = new AtomicInteger();
            HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, new SystemResolver(Map.of()), 2000);
            io.netty.channel.EventLoop loop = loops.next();
            Future<dev.turnout.api.DatagramSession> open = dialer.openDatagram(Metadata.internal(Network.UDP,
                    Destination.ofAddress(InetAddress.getByName("127.0.0.1"), server.getLocalPort())), loop,
                    (from, content) -> {
                        received.incrementAndGet();
                        content.release();
                    });
            assertTrue(open.await(10, TimeUnit.SECONDS) && open.isSuccess(), String.valueOf(open.cause()));
            open.getNow().send(Destination.ofAddress(InetAddress.getByName("127.0.0.1"), server.getLocalPort()),
                    io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {1}));
            java.net.DatagramPacket hello = new java.net.DatagramPacket(new byte[16], 16);
            server.receive(hello);
            CountDownLatch busy = new CountDownLatch(1);
            loop.execute(() -> { // the relay's thread, held while the burst arrives, as under load
                try {
                    busy.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            byte[] reply = new byte[1000];
            for (int i = 0; i < 2000; i++) {
                server.send(new java.net.DatagramPacket(reply, reply.length, hello.getSocketAddress()));
            }
            busy.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.get() < 2000 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(2000, received.get(), "the kernel's default buffer holds about 90 of them");
            open.getNow().close();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aDatagramTheKernelRefusesIsLostQuietlyAndTheSessionGoesOn() throws Exception {
        dev.turnout.host.testing.CapturedLog logged = new dev.turnout.host.testing.CapturedLog();
        EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        try (java.net.DatagramSocket echo = new java.net.DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            echo.setSoTimeout(10_000);
            HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, new SystemResolver(Map.of()), 2000);
            Future<dev.turnout.api.DatagramSession> open = dialer.openDatagram(Metadata.internal(Network.UDP,
                    Destination.ofAddress(InetAddress.getByName("127.0.0.1"), echo.getLocalPort())), loops.next(),
                    (from, content) -> content.release());
            assertTrue(open.await(10, TimeUnit.SECONDS) && open.isSuccess(), String.valueOf(open.cause()));
            for (int i = 0; i < 20; i++) { // port 0: sendmsg answers EINVAL
                open.getNow().send(Destination.ofAddress(InetAddress.getByName("127.0.0.1"), 0),
                        io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {1}));
            }
            open.getNow().send(Destination.ofAddress(InetAddress.getByName("127.0.0.1"), echo.getLocalPort()),
                    io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {2}));
            java.net.DatagramPacket got = new java.net.DatagramPacket(new byte[16], 16);
            echo.receive(got);
            assertEquals(2, got.getData()[0], "the session still sends");
            open.getNow().close();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            logged.close();
        }
        assertEquals(java.util.List.of(), logged.warnings("io.netty.channel.DefaultChannelPipeline",
                HostDatagramSession.class.getName()));
    }

    @Test
    void nettysWordsForAnUnreachableNetworkBecomePlainOnesOfTheSameKind() {
        java.net.InetSocketAddress to = new java.net.InetSocketAddress("2001:db8::1", 443);
        // What Netty 4.2.18 makes of EHOSTUNREACH and ENETUNREACH: a NoRouteToHostException without a message,
        // annotated with the address.
        Throwable plain = HostDialer.plainly(
                new java.net.NoRouteToHostException("null: /[2001:db8:0:0:0:0:0:1]:443"), to);
        assertEquals("no route to host: [2001:db8::1]:443", plain.getMessage());
        assertTrue(plain instanceof java.net.NoRouteToHostException, plain.getClass().getName());
        java.io.IOException other = new java.io.IOException("the server said no");
        assertTrue(HostDialer.plainly(other, to) == other, "what is not Netty's syscall wording stays as it was");
    }

    @Test
    void aDialCancelledWhileConnectingClosesItsSocketAtOnceByAddressOrByName() throws Exception {
        try (Unanswered silent = new Unanswered()) {
            for (Destination to : java.util.List.of(Destination.ofAddress(InetAddress.getByName("127.0.0.3"),
                    silent.port()), Destination.ofHost("silent.test", silent.port()))) {
                java.util.List<Channel> made = new java.util.concurrent.CopyOnWriteArrayList<>();
                HostDialer dialer = new HostDialer(() -> channel -> made.add(channel), silent.resolver, 10_000);
                Future<Channel> dial = dialer.openStream(Metadata.internal(Network.TCP, to), silent.loops.next());
                for (int i = 0; i < 100 && made.isEmpty(); i++) {
                    Thread.sleep(20);
                }
                assertEquals(1, made.size(), "connecting to " + to);
                // What the tunnel does when the application leaves meanwhile.
                assertTrue(dial.cancel(false));
                assertTrue(made.get(0).closeFuture().await(2, TimeUnit.SECONDS),
                        "the socket connecting to " + to + " is closed, not left for the 10 s timeout");
            }
        }
    }

    @Test
    void aNameWhoseFirstAddressRefusesIsReachedAtTheNextAndOneWhoseFirstIsSilentWithoutWaitingForTheTimeout()
            throws Exception {
        EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        java.util.List<Socket> fillers = new java.util.ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             ServerSocket silent = unanswering("127.0.0.3", fillers)) {
            int port = server.getLocalPort();
            // The same port on 127.0.0.2 refuses; the silent listener's port is another, so map it by hosts.
            try (SystemResolver resolver = new SystemResolver(Map.of(
                    "refused.test", java.util.List.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.1")),
                    "nobody.test", java.util.List.of(InetAddress.getByName("127.0.0.2"))))) {
                HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 10_000);
                Future<Channel> refused = dial(dialer, "refused.test", port, loops);
                assertTrue(refused.await(5, TimeUnit.SECONDS) && refused.isSuccess(), () -> String.valueOf(refused.cause()));
                assertEquals("127.0.0.1:" + port, peer(refused.getNow()));
                refused.getNow().close();

                Future<Channel> none = dial(dialer, "nobody.test", port, loops);
                assertTrue(none.await(5, TimeUnit.SECONDS));
                assertTrue(none.cause() instanceof java.net.ConnectException, String.valueOf(none.cause()));
            }
            // A silent first address on the silent listener's port, the server's address second: the server is
            // reached long before the 10 s connect timeout, tried 250 ms after the first (or at once when concurrent).
            int silentPort = silent.getLocalPort();
            try (ServerSocket second = new ServerSocket(silentPort, 50, InetAddress.getByName("127.0.0.1"));
                 SystemResolver resolver = new SystemResolver(Map.of("slow.test", java.util.List.of(
                         InetAddress.getByName("127.0.0.3"), InetAddress.getByName("127.0.0.1"))))) {
                for (int delay : new int[] {HostDialer.ATTEMPT_DELAY_MILLIS, 0}) {
                    HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 10_000, delay);
                    Future<Channel> slow = dial(dialer, "slow.test", silentPort, loops);
                    assertTrue(slow.await(5, TimeUnit.SECONDS), "still waiting on the silent address (delay " + delay + ")");
                    assertTrue(slow.isSuccess(), () -> String.valueOf(slow.cause()));
                    assertEquals("127.0.0.1:" + silentPort, peer(slow.getNow()));
                    slow.getNow().close();
                }
            }
            // Every address failing: each is named.
            try (SystemResolver resolver = new SystemResolver(Map.of("gone.test", java.util.List.of(
                    InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.4"))))) {
                Future<Channel> gone = dial(new HostDialer(() -> SocketBinder.NONE, resolver, 10_000), "gone.test",
                        port, loops);
                assertTrue(gone.await(5, TimeUnit.SECONDS));
                String message = String.valueOf(gone.cause().getMessage());
                assertTrue(message.startsWith("no address of gone.test answered: 127.0.0.2 (")
                        && message.contains(", 127.0.0.4 ("), message);
            }
        } finally {
            for (Socket f : fillers) {
                f.close();
            }
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * As mihomo's dialer binds: the physical interface (the TUN's way out, interface-name) is for connections that
     * leave the machine. Bound to it, one to 127.0.0.1 times out; and a TUN's "no default route" refusal has no
     * reason to stop it.
     */
    @Test
    void aConnectionToThisMachineIsMadeWithoutTheInterfaceBinding() throws Exception {
        EventLoopGroup loops = Transport.newGroup(1, "host-dialer-test");
        SocketBinder noRoute = channel -> {
            throw new java.io.IOException("no default route (no physical interface to leave through)");
        };
        java.util.List<String> marked = new java.util.concurrent.CopyOnWriteArrayList<>();
        SocketBinder mark = channel -> marked.add("keepalive");
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             SystemResolver resolver = new SystemResolver(Map.of("local.test",
                     java.util.List.of(InetAddress.getByName("127.0.0.1"))))) {
            HostDialer skipping = new HostDialer(() -> SocketBinder.skippingLocalDestinations(noRoute).andThen(mark),
                    resolver, 2000);
            Future<Channel> local = dial(skipping, "local.test", server.getLocalPort(), loops);
            assertTrue(local.await(5, TimeUnit.SECONDS) && local.isSuccess(), () -> String.valueOf(local.cause()));
            local.getNow().close();
            assertEquals(java.util.List.of("keepalive"), marked, "the binders after it still apply");

            Future<Channel> bound = dial(new HostDialer(() -> noRoute, resolver, 2000), "local.test",
                    server.getLocalPort(), loops);
            assertTrue(bound.await(5, TimeUnit.SECONDS));
            assertEquals("no default route (no physical interface to leave through)", bound.cause().getMessage());
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        for (String global : new String[] {"192.0.2.1", "198.18.0.1", "10.0.0.1", "2001:db8::1"}) {
            assertTrue(SocketBinder.isGlobal(InetAddress.getByName(global)), global);
        }
        for (String local : new String[] {"127.0.0.1", "::1", "169.254.1.1", "fe80::1", "0.0.0.0", "224.0.0.1",
                "255.255.255.255"}) {
            assertFalse(SocketBinder.isGlobal(InetAddress.getByName(local)), local);
        }
    }
}
