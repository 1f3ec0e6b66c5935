package dev.turnout.host.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.testing.Required;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.flow.Flow;
import dev.turnout.host.flow.FlowTable;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay between an application's connection and its outbound, on loopback: a client, Turnout's two
 * channels in the middle, and a plain server. What matters is how the ends of a flow travel: each FIN is
 * passed on after the bytes before it, and the flow ends (both channels closed) once both directions have.
 */
class RelayTest {

    private final EventLoopGroup loops = Transport.newGroup(1, "relay-test");
    private final FlowTable flows = new FlowTable(16);
    private ServerSocket server;
    private Channel listener;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final CompletableFuture<Flow> flow = new CompletableFuture<>();
    /** How long the "dial" waits before connecting: long enough for a quick client to be done sending. */
    private volatile long dialDelayMillis;
    private volatile int idleSeconds = 60;
    private volatile Duration halfClosed = Duration.ofSeconds(30);
    /** The relay's two channels, once dialled. */
    private final CompletableFuture<Channel> outboundSide = new CompletableFuture<>();
    private final CompletableFuture<Channel> applicationSide = new CompletableFuture<>();
    /** Whether the application's channel reads while its outbound is dialled, as the mixed port's does after its handshake. */
    private volatile boolean readWhileDialling;
    /** What a plugin leaves in the outbound's pipeline (a decoder): by default nothing. */
    private volatile io.netty.channel.ChannelHandler outboundProtocol = new ChannelInboundHandlerAdapter();
    /** The most the application's channel ever held written but not yet taken by its socket. */
    private final PendingHighWater heldForClient = new PendingHighWater();

    @BeforeEach
    void start() throws Exception {
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        InetSocketAddress target = (InetSocketAddress) server.getLocalSocketAddress();
        listener = new ServerBootstrap().group(loops).channel(Transport.serverChannelType())
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel application) {
                        Relay.holdEarlyInput(application);
                        if (readWhileDialling) {
                            application.config().setAutoRead(true);
                        }
                        application.eventLoop().schedule(() -> dial(application, target), dialDelayMillis,
                                TimeUnit.MILLISECONDS);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    private void dial(SocketChannel application, InetSocketAddress target) {
        new Bootstrap().group(application.eventLoop()).channelFactory(Transport::newSocketChannel)
                .option(ChannelOption.AUTO_READ, false)
                .handler(outboundProtocol)
                .connect(target).addListener(f -> {
                    if (!f.isSuccess()) {
                        application.close();
                        flow.completeExceptionally(f.cause());
                        return;
                    }
                    Channel outbound = ((ChannelFuture) f).channel();
                    Flow record = flows.open(new Metadata(Network.TCP,
                            Destination.ofAddress(target.getAddress(), target.getPort()),
                            (InetSocketAddress) application.remoteAddress(), "test", null),
                            "MATCH", "DIRECT", "DIRECT");
                    application.pipeline().addFirst(heldForClient);
                    Relay.start(application, outbound, record,
                            new FlowTimeouts(Duration.ofSeconds(idleSeconds), halfClosed), ended::countDown);
                    outboundSide.complete(outbound);
                    applicationSide.complete(application);
                    flow.complete(record);
                });
    }

    @AfterEach
    void stop() throws Exception {
        listener.close().sync();
        server.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    private Socket connectClient() throws Exception {
        Socket client = new Socket();
        client.setSoTimeout(10_000);
        client.connect(listener.localAddress(), 5_000);
        return client;
    }

    private static byte[] readToEnd(InputStream in) throws Exception {
        return in.readAllBytes();
    }

    @Test
    void theClientsHalfCloseReachesTheServerWhichCanStillAnswer() throws Exception {
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            upstream.setSoTimeout(10_000);
            client.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertArrayEquals("question".getBytes(StandardCharsets.US_ASCII), readToEnd(upstream.getInputStream()),
                    "the server reads the request, then the end of it");
            assertEquals(1, ended.getCount(), "half a flow is not its end");
            byte[] answer = new byte[3 * 1024 * 1024];
            answer[answer.length - 1] = 7;
            upstream.getOutputStream().write(answer);
            upstream.shutdownOutput();
            assertArrayEquals(answer, readToEnd(client.getInputStream()), "the whole answer, then the end");
            assertTrue(ended.await(10, TimeUnit.SECONDS), "both directions ended: the flow is over");
            Flow f = flow.get(5, TimeUnit.SECONDS);
            assertEquals(8, f.uploadBytes());
            assertEquals(answer.length, f.downloadBytes());
        }
    }

    @Test
    void whatTheClientSendsAndEndsBeforeTheOutboundIsConnectedIsRelayedInFull() throws Exception {
        dialDelayMillis = 300;
        assertAnEarlyRequestAndItsEndAreRelayedThenTheAnswer("early request", "answer");
    }

    @Test
    void theServerClosingFirstStillDeliversItsBytesAndTheFlowEndsWhenTheClientCloses() throws Exception {
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            upstream.setSoTimeout(10_000);
            client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
            byte[] got = upstream.getInputStream().readNBytes(3);
            assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), got);
            byte[] answer = new byte[1024 * 1024];
            answer[0] = 1;
            upstream.getOutputStream().write(answer);
            upstream.close();
            assertArrayEquals(answer, readToEnd(client.getInputStream()));
            assertEquals(1, ended.getCount(), "the client may still send: the flow is half open");
            client.close();
            assertTrue(ended.await(10, TimeUnit.SECONDS), "the client's close ends the flow");
        }
    }

    /**
     * An answer whose end came with it (a server that writes and closes, as most HTTP/1.0 ones and bench/tun.sh's
     * do) reaches the client with that end in its last segment: one packet where there were two, and the client's
     * ACK then goes out with its own FIN (through the TUN, a request and its answer took ten packets, now eight).
     * The client's kernel counts what it received. The relay's thread is kept busy while the server writes and
     * closes, so that it finds both there when it reads, as a loaded one does.
     */
    @Test
    void anAnswerThatCameWithItsEndReachesTheClientInOneSegmentWithIt() throws Exception {
        Required.that(Transport.isEpoll(), () -> "TCP_CORK is set on Netty's epoll channels only");
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            CountDownLatch busy = new CountDownLatch(1);
            outboundSide.get(5, TimeUnit.SECONDS).eventLoop().execute(() -> {
                busy.countDown();
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(busy.await(5, TimeUnit.SECONDS));
            byte[] answer = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
            upstream.getOutputStream().write(answer);
            upstream.shutdownOutput();
            assertArrayEquals(answer, readToEnd(client.getInputStream()), "the answer, then its end");
            String info = ss("-tniH", "state", "close-wait", "sport = :" + client.getLocalPort());
            Matcher segments = Pattern.compile("segs_in:(\\d+)").matcher(info);
            assertTrue(segments.find(), "ss shows the client's socket: " + info);
            // The SYN-ACK, then the answer and its FIN together. Apart, they would be three.
            assertEquals(2, Integer.parseInt(segments.group(1)), info);
        }
    }

    /** What iproute2's {@code ss} prints with these arguments; a test without it is skipped. */
    private static String ss(String... arguments) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("ss"));
        command.addAll(java.util.List.of(arguments));
        Process ss;
        try {
            ss = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Required.that(false, () -> "no ss (iproute2) here: " + e.getMessage());
            throw e;
        }
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ss.waitFor(10, TimeUnit.SECONDS), "ss ended");
        return out;
    }

    @Test
    void aResetFromTheServerReachesTheClientAsAResetNotAnEnd() throws Exception {
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            assertAResetTravels(client, upstream, upstream, client);
        }
    }

    @Test
    void aResetFromTheClientReachesTheServerAsAResetNotAnEnd() throws Exception {
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            assertAResetTravels(client, upstream, client, upstream);
        }
    }

    /**
     * The server ends, then the client resets, while the loop is busy: the relay then shuts down the
     * output of a socket the kernel has already reset (ENOTCONN, which Netty throws unchecked). Seen from outside
     * with a SOCKS5 server that sent junk and hung up: the exception went to Netty's listener log with its stack
     * trace, and the flow stayed open until its timer.
     */
    @Test
    void aServersEndThatMeetsTheClientsResetEndsTheFlowWithNothingThrown() throws Exception {
        ch.qos.logback.classic.Logger promises = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                io.netty.util.concurrent.DefaultPromise.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> thrown =
                new ch.qos.logback.core.read.ListAppender<>();
        thrown.start();
        promises.addAppender(thrown);
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), upstream.getInputStream().readNBytes(3));
            Channel application = applicationSide.get(5, TimeUnit.SECONDS);
            CountDownLatch busy = new CountDownLatch(1);
            application.eventLoop().execute(() -> {
                busy.countDown();
                try {
                    Thread.sleep(300); // both happen now, and are read in one go after
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(busy.await(5, TimeUnit.SECONDS));
            upstream.shutdownOutput();
            Thread.sleep(20);
            client.setSoLinger(true, 0);
            client.close();
            assertTrue(ended.await(3, TimeUnit.SECONDS), "the flow is over at once, not at its timer");
            assertEquals(List.of(), thrown.list.stream().map(e -> e.getFormattedMessage() + ": "
                    + e.getThrowableProxy().getClassName()).toList(), "nothing thrown into Netty's listener log");
        } finally {
            promises.detachAppender(thrown);
        }
    }

    @Test
    void aHalfClosedFlowWithNothingMovingIsClosedAfterTheIdleTimeout() throws Exception {
        idleSeconds = 1;
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            upstream.setSoTimeout(10_000);
            client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), readToEnd(upstream.getInputStream()));
            // The server never answers: without the timeout the client would wait out its 10 s read timeout.
            assertTheClientReadsTheEndOfAnIdleFlowWithin(0, 5_000, client);
            assertTrue(ended.await(10, TimeUnit.SECONDS), "the flow is over");
        }
    }

    /** With a 1 s idle timeout: the client reads the end of its flow between {@code min} and {@code max} ms from now. */
    private static void assertTheClientReadsTheEndOfAnIdleFlowWithin(long min, long max, Socket client) throws Exception {
        long start = System.nanoTime();
        assertEquals(-1, client.getInputStream().read(), "the client reads the end of the idle flow");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= min && millis < max, "ended " + millis + " ms later, with a 1 s idle timeout");
    }

    @Test
    void anOpenFlowWithNothingMovingIsEndedBothWaysAfterTheIdleTimeout() throws Exception {
        idleSeconds = 1;
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            upstream.setSoTimeout(10_000);
            client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), upstream.getInputStream().readNBytes(3));
            assertTheClientReadsTheEndOfAnIdleFlowWithin(500, 5_000, client);
            assertEquals(-1, upstream.getInputStream().read(), "so does the server");
            assertTrue(ended.await(10, TimeUnit.SECONDS), "the flow is over");
        }
    }

    @Test
    void aFlowWhereOnlyTheServerSpeaksOutlivesTheIdleTimeout() throws Exception {
        idleSeconds = 1;
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            client.getOutputStream().write('?');
            assertEquals('?', upstream.getInputStream().read());
            // Three idle timeouts in all, never more than a fifth of one without a byte, all of them downloaded.
            for (int i = 0; i < 15; i++) {
                upstream.getOutputStream().write(i);
                assertEquals(i, client.getInputStream().read(), "byte " + i + " arrives");
                Thread.sleep(200);
            }
            assertEquals(1, ended.getCount(), "the flow is still open");
            client.getOutputStream().write('!');
            assertEquals('!', upstream.getInputStream().read(), "and still relays");
        }
    }

    @Test
    void aFlowTheClientEndedIsResetWhenTheServerSendsNothingForTheHalfClosedTimeout() throws Exception {
        halfClosed = Duration.ofMillis(500);
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            upstream.setSoTimeout(10_000);
            client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), readToEnd(upstream.getInputStream()));
            // The server ignores the FIN and never answers: the flow ends long before the 60 s idle timeout.
            assertTrue(ended.await(5, TimeUnit.SECONDS), "the half-closed flow ended after its timeout");
            assertAReset(client, "the client learns that no answer will come");
            // The server read its end already, so it learns of the reset when it writes.
            SocketException e = assertThrows(SocketException.class, () -> {
                for (int i = 0; i < 50; i++) {
                    upstream.getOutputStream().write('x');
                    Thread.sleep(20);
                }
            }, "the server's side is reset too");
            assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).matches(".*(reset|broken pipe).*"), e.getMessage());
        }
    }

    @Test
    void aFlowTheServerEndedIsResetWhenTheClientSendsNothingForTheHalfClosedTimeout() throws Exception {
        halfClosed = Duration.ofMillis(500);
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            client.setSoTimeout(10_000);
            upstream.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
            upstream.shutdownOutput();
            assertArrayEquals("bye".getBytes(StandardCharsets.US_ASCII), readToEnd(client.getInputStream()));
            assertTrue(ended.await(5, TimeUnit.SECONDS), "the half-closed flow ended after its timeout");
            assertAReset(upstream, "the server's side is freed");
        }
    }

    @Test
    void aHalfClosedFlowLivesOnWhileTheServerKeepsSending() throws Exception {
        halfClosed = Duration.ofSeconds(2);
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            upstream.setSoTimeout(10_000);
            client.shutdownOutput();
            assertEquals(-1, upstream.getInputStream().read(), "the server reads the end of the request");
            // Three times the half-closed timeout in all, but never more than a fifth of it without a byte.
            for (int i = 0; i < 15; i++) {
                upstream.getOutputStream().write(i);
                Thread.sleep(400);
            }
            upstream.shutdownOutput();
            byte[] got = readToEnd(client.getInputStream());
            assertEquals(15, got.length, "every byte arrived, then the end");
            assertEquals(14, got[14]);
            assertTrue(ended.await(10, TimeUnit.SECONDS), "both directions ended: the flow is over");
        }
    }

    @Test
    void aFlowTheClientEndedWaitsForItWhileItIsSlowToTakeWhatTheServerSent() throws Exception {
        halfClosed = Duration.ofMillis(500);
        int total = 16 * 1024 * 1024;
        try (Socket client = halfClosedClientOfALargeAnswer(); Socket upstream = server.accept()) {
            assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), readToEnd(upstream.getInputStream()));
            // A client descheduled, or a consumer that paused.
            assertALateReaderGetsItAll(upstream, client, outboundSide.get(5, TimeUnit.SECONDS), total);
        }
    }

    @Test
    void aFlowTheClientEndedIsResetAfterTheIdleTimeoutWhenItNeverTakesWhatTheServerSent() throws Exception {
        halfClosed = Duration.ofMillis(500);
        idleSeconds = 2;
        try (Socket client = halfClosedClientOfALargeAnswer(); Socket upstream = server.accept()) {
            assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), readToEnd(upstream.getInputStream()));
            long start = System.nanoTime();
            CompletableFuture<Void> writer = send(upstream, 16 * 1024 * 1024);
            assertTrue(ended.await(10, TimeUnit.SECONDS), "the flow ended");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 1500, "ended after " + millis + " ms: the half-closed timeout cut a slow reader");
            assertAReset(client, "the client learns that the answer was cut");
            // The server learns of it by writing: the write still blocked fails, or, when the kernel's buffers took
            // all of the answer, the next ones do.
            assertThrows(Exception.class, () -> {
                writer.get(10, TimeUnit.SECONDS);
                for (int i = 0; i < 50; i++) {
                    upstream.getOutputStream().write('x');
                    Thread.sleep(20);
                }
            }, "the server's side is reset too");
        }
    }

    @Test
    void aFlowTheServerEndedWaitsForItWhileItIsSlowToTakeWhatTheClientSends() throws Exception {
        halfClosed = Duration.ofMillis(500);
        int total = 32 * 1024 * 1024;
        // Set on the listener, so the accepted socket has it from its handshake on: the kernel's buffers then hold
        // a few megabytes of the upload, and the rest waits in Turnout, where the relay sees it.
        server.setReceiveBufferSize(64 * 1024);
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            upstream.setSoTimeout(20_000);
            upstream.getOutputStream().write("go".getBytes(StandardCharsets.US_ASCII));
            upstream.shutdownOutput();
            assertArrayEquals("go".getBytes(StandardCharsets.US_ASCII), readToEnd(client.getInputStream()));
            assertALateReaderGetsItAll(client, upstream, applicationSide.get(5, TimeUnit.SECONDS), total);
        }
    }

    /**
     * {@code writer} sends {@code total} bytes that {@code reader} takes only after four half-closed timeouts (500 ms),
     * once Turnout holds some of them ({@code writersChannel}, which it reads from, has stopped reading); then
     * {@code writer} ends its side. Everything must arrive, then the end, and the flow be over.
     */
    private void assertALateReaderGetsItAll(Socket writer, Socket reader, Channel writersChannel, int total)
            throws Exception {
        CompletableFuture<Void> sent = send(writer, total);
        for (int i = 0; i < 3000 && writersChannel.config().isAutoRead(); i++) {
            Thread.sleep(10);
        }
        assertFalse(writersChannel.config().isAutoRead(), "Turnout holds what the reader has not taken");
        Thread.sleep(2000);
        byte[] got = reader.getInputStream().readNBytes(total);
        assertEquals(total, got.length, "everything arrives");
        assertEquals(7, got[total - 1]);
        sent.get(10, TimeUnit.SECONDS);
        writer.shutdownOutput();
        assertEquals(-1, reader.getInputStream().read(), "then the end");
        assertTrue(ended.await(10, TimeUnit.SECONDS), "the flow is over");
    }

    /** A client with a small receive buffer that has sent its request and ended it. */
    private Socket halfClosedClientOfALargeAnswer() throws Exception {
        Socket client = new Socket();
        client.setReceiveBufferSize(64 * 1024);
        client.setSoTimeout(20_000);
        client.connect(listener.localAddress(), 5_000);
        client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();
        return client;
    }

    /** Writes {@code total} bytes, the last one 7, from another thread. */
    private static CompletableFuture<Void> send(Socket socket, int total) {
        return CompletableFuture.runAsync(() -> {
            byte[] bytes = new byte[total];
            bytes[total - 1] = 7;
            try {
                socket.getOutputStream().write(bytes);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void aFlowClosedFromOutsideResetsTheClientAndEndsTheServerSide() throws Exception {
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            upstream.setSoTimeout(10_000);
            client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), upstream.getInputStream().readNBytes(3));
            // What the controller's DELETE /connections/{id} and a shutdown do.
            assertTrue(flows.close(flow.get(5, TimeUnit.SECONDS).id()), "the flow is open");
            assertAReset(client, "the client learns that the flow was cut, not that it was whole");
            assertEquals(-1, upstream.getInputStream().read(), "the server's side is closed");
            assertTrue(ended.await(10, TimeUnit.SECONDS), "the flow is over");
        }
    }

    @Test
    void aHalfClosedTimeoutAsLongAsTheIdleOneLeavesTheIdleTimeoutToEndTheFlowWithAnEnd() throws Exception {
        idleSeconds = 1;
        halfClosed = Duration.ofSeconds(1);
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            upstream.setSoTimeout(10_000);
            client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), readToEnd(upstream.getInputStream()));
            // No second timer: the idle one ends the flow as it ends any idle flow, with an end, not a reset.
            assertEquals(-1, client.getInputStream().read(), "the client reads the end of the idle flow");
            assertTrue(ended.await(10, TimeUnit.SECONDS), "the flow is over");
        }
    }

    @Test
    void whileTheClientReadsNothingTurnoutHoldsAFewReadsOfWhatTheServerSendsNotAll() throws Exception {
        int total = 48 * 1024 * 1024;
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.setSoTimeout(20_000);
            client.connect(listener.localAddress(), 5_000);
            try (Socket upstream = server.accept()) {
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (int i = 0; i < total / chunk.length; i++) {
                            chunk[0] = (byte) i;
                            upstream.getOutputStream().write(chunk);
                        }
                        upstream.shutdownOutput();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                Channel outbound = outboundSide.get(5, TimeUnit.SECONDS);
                // The client reads nothing until the relay stops reading the server (its client side is full),
                // or, without back-pressure, until Turnout has taken everything the server had to send.
                for (int i = 0; i < 3000 && outbound.config().isAutoRead() && !writer.isDone(); i++) {
                    Thread.sleep(10);
                }
                byte[] got = client.getInputStream().readNBytes(total);
                assertEquals(total, got.length, "everything arrives once the client reads");
                for (int i = 0; i < total / (64 * 1024); i++) {
                    assertEquals((byte) i, got[i * 64 * 1024], "in order");
                }
                assertEquals(-1, client.getInputStream().read(), "then the end");
                writer.get(10, TimeUnit.SECONDS);
                // A few reads of at most 1 MiB (1 to 5 MiB seen, 8.3 MiB once at a load of 16 on 2 cores);
                // without back-pressure, nearly all 48 MiB.
                long most = heldForClient.max();
                assertTrue(most <= 16 * 1024 * 1024, "Turnout held up to " + most + " bytes for a client that read"
                        + " nothing while the server sent " + total + ": the relay must stop reading the server");
            }
        }
    }

    @Test
    void aClientThatEndedItsRequestStillGetsAllOfALargeAnswerItReadsSlowlyBeforeTheServersClose() throws Exception {
        int total = 16 * 1024 * 1024;
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.setSoTimeout(20_000);
            client.connect(listener.localAddress(), 5_000);
            try (Socket upstream = server.accept()) {
                upstream.setSoTimeout(10_000);
                client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
                client.shutdownOutput();
                assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), readToEnd(upstream.getInputStream()));
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        byte[] answer = new byte[total];
                        answer[total - 1] = 9;
                        upstream.getOutputStream().write(answer);
                        upstream.close();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                // Slowly, so that the server's close arrives while Turnout still holds the end of the answer.
                byte[] got = new byte[total];
                int n = 0;
                for (int r; n < total && (r = client.getInputStream().read(got, n, Math.min(16 * 1024, total - n))) > 0; ) {
                    n += r;
                    if (n % (1024 * 1024) < r) {
                        Thread.sleep(1);
                    }
                }
                assertEquals(total, n, "the whole answer arrives");
                assertEquals(9, got[total - 1]);
                assertEquals(-1, client.getInputStream().read(), "then the end");
                writer.get(10, TimeUnit.SECONDS);
                assertTrue(ended.await(10, TimeUnit.SECONDS), "the flow is over");
            }
        }
    }

    @Test
    void aTunnelThatAnswersTheClientItselfGetsWhatWasSentBeforeItTookOverAndWhatComesAfter() throws Exception {
        Channel answering = new ServerBootstrap().group(loops).channel(Transport.serverChannelType())
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel inbound) {
                        Relay.holdEarlyInput(inbound);
                        inbound.eventLoop().schedule(() -> {
                            inbound.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                                    ctx.writeAndFlush(msg);
                                }

                                @Override
                                public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                                        ctx.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("bye",
                                                StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
                                    }
                                }
                            });
                            Relay.resumeReading(inbound);
                        }, 300, TimeUnit.MILLISECONDS);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        try (Socket client = new Socket()) {
            client.setSoTimeout(10_000);
            client.connect(answering.localAddress(), 5_000);
            client.getOutputStream().write("early".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("early".getBytes(StandardCharsets.US_ASCII), client.getInputStream().readNBytes(5),
                    "what was sent before the tunnel took over");
            client.getOutputStream().write("late".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertArrayEquals("latebye".getBytes(StandardCharsets.US_ASCII), readToEnd(client.getInputStream()),
                    "what came after, then the end of the client's input");
        } finally {
            answering.close().sync();
        }
    }

    @Test
    void aRequestAndItsEndReadWhileTheOutboundIsDialledAreRelayedInFullOnceItIsConnected() throws Exception {
        readWhileDialling = true;
        dialDelayMillis = 300;
        assertAnEarlyRequestAndItsEndAreRelayedThenTheAnswer("GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\n");
    }

    /** The client sends {@code request} and its end at once, before the dial (dialDelayMillis) is done. */
    private void assertAnEarlyRequestAndItsEndAreRelayedThenTheAnswer(String request, String answer) throws Exception {
        byte[] asked = request.getBytes(StandardCharsets.US_ASCII);
        byte[] answered = answer.getBytes(StandardCharsets.US_ASCII);
        try (Socket client = connectClient()) {
            client.getOutputStream().write(asked);
            client.shutdownOutput();
            try (Socket upstream = server.accept()) {
                upstream.setSoTimeout(10_000);
                assertArrayEquals(asked, readToEnd(upstream.getInputStream()),
                        "the bytes sent before the dial, then their end: the server may answer");
                upstream.getOutputStream().write(answered);
                upstream.shutdownOutput();
                assertArrayEquals(answered, readToEnd(client.getInputStream()));
            }
            assertTrue(ended.await(10, TimeUnit.SECONDS), "both directions ended: the flow is over");
        }
    }

    @Test
    void anOutboundWhoseProtocolFailsOnWhatTheServerSentResetsBothEndsRatherThanEndingThem() throws Exception {
        // A plugin's decoder that cannot read what came from its server (a corrupt frame, a failed MAC).
        outboundProtocol = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                io.netty.util.ReferenceCountUtil.release(msg);
                throw new io.netty.handler.codec.DecoderException("a frame the protocol cannot read");
            }
        };
        try (Socket client = connectClient(); Socket upstream = server.accept()) {
            client.getOutputStream().write("PUT".getBytes(StandardCharsets.US_ASCII));
            upstream.setSoTimeout(10_000);
            assertArrayEquals("PUT".getBytes(StandardCharsets.US_ASCII), upstream.getInputStream().readNBytes(3));
            upstream.getOutputStream().write('!');
            assertAReset(client, "the client learns that the flow failed");
            // An end would tell a server reading an upload to its end (HTTP/1.0, a PUT without a length) that
            // the cut-off upload was whole.
            assertAReset(upstream, "the server learns it too");
            assertTrue(ended.await(10, TimeUnit.SECONDS), "the flow is over");
        }
    }

    /** Records the most bytes the channel it sits in has queued for its socket. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class PendingHighWater extends io.netty.channel.ChannelOutboundHandlerAdapter {
        private final AtomicLong max = new AtomicLong();

        @Override
        public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
            ctx.write(msg, promise);
            io.netty.channel.ChannelOutboundBuffer queued = ctx.channel().unsafe().outboundBuffer();
            if (queued != null) {
                max.accumulateAndGet(queued.totalPendingWriteBytes(), Math::max);
            }
        }

        long max() {
            return max.get();
        }
    }

    private static void assertAReset(Socket socket, String why) throws Exception {
        socket.setSoTimeout(10_000);
        SocketException e = assertThrows(SocketException.class, () -> readToEnd(socket.getInputStream()), why);
        assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("reset"), e.getMessage());
    }

    /** After a request has crossed, {@code resetting} resets; {@code other} must read a reset, and the flow end. */
    private void assertAResetTravels(Socket client, Socket upstream, Socket resetting, Socket other) throws Exception {
        other.setSoTimeout(10_000);
        client.getOutputStream().write("GET".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("GET".getBytes(StandardCharsets.US_ASCII), upstream.getInputStream().readNBytes(3));
        resetting.setSoLinger(true, 0);
        resetting.close();
        // An end (FIN) here would tell a client reading to the end that a cut-off answer was whole.
        SocketException e = assertThrows(SocketException.class, () -> readToEnd(other.getInputStream()),
                "the other end reads a reset, not an end");
        assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("reset"), e.getMessage());
        assertTrue(ended.await(10, TimeUnit.SECONDS), "the flow is over");
    }
}
