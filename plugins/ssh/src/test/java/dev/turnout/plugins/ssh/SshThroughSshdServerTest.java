package dev.turnout.plugins.ssh;

import static dev.turnout.api.testing.TestOptions.WARNINGS_IGNORED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbound against Apache MINA SSHD's own server (a real SSH server, another implementation of the client's
 * library than the one OpenSSH test uses): password login, flows sharing a session, the server's key checked, and
 * the stream's ends and back-pressure.
 */
class SshThroughSshdServerTest {

    @RegisterExtension
    static final OneEventLoop LOOP = new OneEventLoop();

    static final String USER = "turnout";
    static final String PASSWORD = "s3cret";

    @TempDir
    static Path dir;

    static SshServer server;
    static final AtomicInteger sessions = new AtomicInteger();

    @BeforeAll
    static void startServer() throws Exception {
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(dir.resolve("host-key")));
        server.setPasswordAuthenticator((user, password, session) -> USER.equals(user) && PASSWORD.equals(password));
        server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
        server.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                sessions.incrementAndGet();
            }
        });
        server.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.stop(true);
    }

    private static Outbound outbound(Object... extra) throws Exception {
        Map<String, Object> values = new java.util.LinkedHashMap<>(Map.of("username", USER, "password", PASSWORD));
        for (int i = 0; i < extra.length; i += 2) {
            values.put((String) extra[i], extra[i + 1]);
        }
        return new SshType().create(TestOptions.loopbackServer("s", "ssh", server.getPort(), values),
                new TestContext(new PlainDialer()));
    }

    private static Metadata to(int port) {
        return Metadata.internal(Network.TCP, Destination.ofAddress(InetAddress.getLoopbackAddress(), port));
    }

    private static String serverKeyLine() throws Exception {
        KeyPair pair = server.getKeyPairProvider().loadKeys(null).iterator().next();
        return PublicKeyEntry.toString(pair.getPublic());
    }

    @Test
    void flowsLogInWithThePasswordAndShareTheirLoopsSession() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound ssh = outbound();
            try {
                int before = sessions.get();
                for (String text : List.of("first flow", "second flow", "third flow")) {
                    Channel c = ssh.openStream(to(echo.port()), LOOP.get()).get(20, TimeUnit.SECONDS);
                    assertEquals(text, ChannelProbe.exchange(c, text));
                    c.close().sync();
                }
                assertEquals(1, sessions.get() - before, "the three flows took one SSH session");
            } finally {
                ssh.close();
            }
        }
    }

    @Test
    void aWrongPasswordFailsTheFlowSayingSo() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound ssh = outbound("password", "wrong");
            try {
                Future<Channel> open = ssh.openStream(to(echo.port()), LOOP.get()).await();
                assertFalse(open.isSuccess());
                assertTrue(open.cause().getMessage().contains("cannot log in as turnout"), open.cause().toString());
            } finally {
                ssh.close();
            }
        }
    }

    @Test
    void theServersKeyIsCheckedAgainstHostKey() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            KeyPair other = org.apache.sshd.common.config.keys.KeyUtils.generateKeyPair("ssh-rsa", 2048);
            Outbound pinnedElsewhere = outbound("host-key", List.of(PublicKeyEntry.toString(other.getPublic())));
            try {
                Future<Channel> open = pinnedElsewhere.openStream(to(echo.port()), LOOP.get()).await();
                assertFalse(open.isSuccess());
                assertTrue(open.cause().getMessage().contains("is none of 'host-key'"), open.cause().toString());
            } finally {
                pinnedElsewhere.close();
            }
            Outbound pinned = outbound("host-key", List.of(serverKeyLine()));
            try {
                Channel c = pinned.openStream(to(echo.port()), LOOP.get()).get(20, TimeUnit.SECONDS);
                assertEquals("pinned", ChannelProbe.exchange(c, "pinned"));
                c.close();
            } finally {
                pinned.close();
            }
        }
    }

    @Test
    void aDestinationTheServerCannotReachFailsTheFlowAndNotTheSession() throws Exception {
        int closed = LocalTcpServer.closedPort();
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound ssh = outbound();
            try {
                Future<Channel> open = ssh.openStream(to(closed), LOOP.get()).await();
                assertFalse(open.isSuccess());
                assertTrue(open.cause().getMessage().contains("cannot reach 127.0.0.1:" + closed),
                        open.cause().toString());
                Channel c = ssh.openStream(to(echo.port()), LOOP.get()).get(20, TimeUnit.SECONDS);
                assertEquals("still there", ChannelProbe.exchange(c, "still there"));
                c.close();
            } finally {
                ssh.close();
            }
        }
    }

    /**
     * 8 MB up, the server's answer (the same, reversed in order of chunks is not needed: the echo) read slowly, then
     * a half-close: everything arrives, in order, and the server's end comes as an input shutdown, as a socket's.
     */
    @Test
    void bulkDataCrossesBothWaysAndAHalfCloseIsTheServersEndOfInput() throws Exception {
        byte[] payload = new byte[8 << 20];
        new Random(52).nextBytes(payload);
        // Reads everything, answers with its SHA-256 after the client's end, then closes.
        try (LocalTcpServer digest = LocalTcpServer.serving(socket -> {
            java.security.MessageDigest sha = sha256();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
            OutputStream out = socket.getOutputStream();
            out.write(sha.digest());
            out.flush();
        })) {
            Outbound ssh = outbound();
            try {
                Channel c = ssh.openStream(to(digest.port()), LOOP.get()).get(20, TimeUnit.SECONDS);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                CompletableFuture<Boolean> inputShutdown = new CompletableFuture<>();
                c.eventLoop().submit(() -> {
                    c.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                    c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            byte[] bytes = new byte[b.readableBytes()];
                            b.readBytes(bytes);
                            got.writeBytes(bytes);
                            b.release();
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof ChannelInputShutdownEvent) {
                                inputShutdown.complete(true);
                            }
                        }
                    });
                    c.config().setAutoRead(true);
                }).sync();
                for (int at = 0; at < payload.length; at += 100_000) {
                    int n = Math.min(100_000, payload.length - at);
                    // Waits for writability as the relay does: the channel's buffer is bounded by the SSH window.
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (!c.isWritable() && System.nanoTime() < deadline) {
                        Thread.sleep(1);
                    }
                    c.writeAndFlush(Unpooled.wrappedBuffer(payload, at, n));
                }
                c.writeAndFlush(Unpooled.EMPTY_BUFFER).sync();
                ((DuplexChannel) c).shutdownOutput().sync();
                assertTrue(inputShutdown.get(20, TimeUnit.SECONDS));
                assertArrayEquals(sha256().digest(payload), got.toByteArray());
                c.close().sync();
            } finally {
                ssh.close();
            }
        }
    }

    @Test
    void udpIsRefusedAsInMihomo() throws Exception {
        Outbound ssh = outbound();
        try {
            assertFalse(ssh.supportsUdp());
            Future<?> open = ssh.openDatagram(to(53), LOOP.get(), (from, payload) -> payload.release()).await();
            assertFalse(open.isSuccess());
            assertTrue(open.cause().getMessage().contains("SSH forwards TCP only"), open.cause().toString());
        } finally {
            ssh.close();
        }
    }

    /**
     * A laptop that slept, a NAT that forgot the connection: the server stops answering while the connection stays
     * up. The session's keepalives go unanswered, it is ended, its flow with it, and the next flow logs in anew.
     */
    @Test
    void aSessionTheServerStopsAnsweringIsEndedAndTheNextFlowLogsInAgain() throws Exception {
        try (PausableRelay relay = new PausableRelay(server.getPort()); LocalTcpServer echo = LocalTcpServer.echo()) {
            SshOptions options = SshOptions.from(TestOptions.loopbackServer("s", "ssh", relay.port(),
                    Map.of("username", USER, "password", PASSWORD)), path -> {
                        throw new java.nio.file.NoSuchFileException(path);
                    }, WARNINGS_IGNORED);
            SshSessions ssh = new SshSessions(options, new PlainDialer(), "ssh 's'", java.time.Duration.ofMillis(300));
            try {
                int before = sessions.get();
                Destination target = Destination.ofAddress(InetAddress.getLoopbackAddress(), echo.port());
                Channel first = ssh.open(LOOP.get(), target).get(20, TimeUnit.SECONDS);
                assertEquals("before", ChannelProbe.exchange(first, "before"));
                relay.pause();
                // Three keepalives unanswered, 300 ms apart: the session ends at the fourth, and the flow with it.
                assertTrue(first.closeFuture().await(10, TimeUnit.SECONDS), "the flow outlived its dead session");
                relay.resume();
                Channel second = ssh.open(LOOP.get(), target).get(20, TimeUnit.SECONDS);
                assertEquals("after", ChannelProbe.exchange(second, "after"));
                assertEquals(2, sessions.get() - before, "the second flow logged in anew");
                second.close();
            } finally {
                ssh.close();
            }
        }
    }

    /** Relays TCP to a port on 127.0.0.1, and can hold everything it reads until resumed. */
    static final class PausableRelay implements AutoCloseable {
        private final java.net.ServerSocket listener = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<java.net.Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile boolean paused;

        PausableRelay(int targetPort) throws java.io.IOException {
            Thread accept = new Thread(() -> {
                try {
                    while (!listener.isClosed()) {
                        java.net.Socket in = listener.accept();
                        java.net.Socket out = new java.net.Socket(InetAddress.getLoopbackAddress(), targetPort);
                        sockets.add(in);
                        sockets.add(out);
                        copy(in, out);
                        copy(out, in);
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            }, "pausable-relay");
            accept.setDaemon(true);
            accept.start();
        }

        private void copy(java.net.Socket from, java.net.Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[16384];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        for (int waited = 0; paused && waited < 600; waited++) { // at most 60 s held
                            Thread.sleep(100);
                        }
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (java.io.IOException | InterruptedException e) {
                    // one side closed
                }
            }, "pausable-relay-copy");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        void pause() {
            paused = true;
        }

        void resume() {
            paused = false;
        }

        @Override
        public void close() throws java.io.IOException {
            paused = false;
            listener.close();
            for (java.net.Socket s : sockets) {
                s.close();
            }
        }
    }

    static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
