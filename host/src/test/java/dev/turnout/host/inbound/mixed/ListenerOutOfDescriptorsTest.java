package dev.turnout.host.inbound.mixed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.Errors;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The mixed port's listener, on loopback with a real client. */
class ListenerOutOfDescriptorsTest {

    private final EventLoopGroup boss = Transport.newGroup(1, "mixed-test-accept");
    private final EventLoopGroup workers = Transport.newGroup(1, "mixed-test-io");
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private MixedInbound inbound;

    @BeforeEach
    void start() throws Exception {
        logged.start();
        root.addAppender(logged);
        Tunnel nowhere = (Tunnel) java.lang.reflect.Proxy.newProxyInstance(Tunnel.class.getClassLoader(),
                new Class<?>[] {Tunnel.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException("no flows in this test");
                });
        inbound = MixedInbound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), boss, workers, nowhere,
                new DescriptorShortage());
    }

    @AfterEach
    void stop() throws Exception {
        root.detachAppender(logged);
        inbound.close();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    @Test
    void runningOutOfDescriptorsIsOneLineAndTheListenerServesAgainAfterwards() throws Exception {
        Assumptions.assumeTrue(Transport.isEpoll(), "needs Netty's native transport for its accept(2) errors");
        // What the listener's accept(2) raises when the process has no descriptor left, again and again.
        for (int i = 0; i < 20; i++) {
            inbound.listener().pipeline().fireExceptionCaught(new Errors.NativeIoException("accept", -24));
        }
        boss.submit(() -> { }).await(5, TimeUnit.SECONDS);
        List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .toList();
        assertEquals(1, warnings.size(), () -> "one line for the shortage, got: " + warnings.stream()
                .map(ILoggingEvent::getFormattedMessage).toList());
        assertTrue(warnings.get(0).getFormattedMessage().startsWith("out of file descriptors"),
                warnings.get(0).getFormattedMessage());
        assertNull(warnings.get(0).getThrowableProxy(), "no stack trace");
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            assertTrue(warnings.get(0).getFormattedMessage().contains("; limit " + os.getMaxFileDescriptorCount()
                    + ")"), () -> "the process's limit, as the JVM knows it: " + warnings.get(0).getFormattedMessage());
        }
        // Still listening, and accepting again: a SOCKS5 greeting gets its answer.
        try (Socket client = new Socket()) {
            client.setSoTimeout(5_000);
            client.connect(inbound.localAddress(), 5_000);
            client.getOutputStream().write(new byte[] {5, 1, 0});
            assertArrayEquals(new byte[] {5, 0}, client.getInputStream().readNBytes(2), "served again");
        }
    }
}
