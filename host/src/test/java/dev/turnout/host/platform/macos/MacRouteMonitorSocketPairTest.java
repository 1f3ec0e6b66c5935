package dev.turnout.host.platform.macos;

import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTA_DST;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTA_GATEWAY;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTA_NETMASK;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_GATEWAY;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_HOST;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_LLINFO;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.RTF_UP;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.inet;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.link;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.mask;
import static dev.turnout.host.platform.macos.DarwinRoutingMessages.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.host.platform.macos.MacTunDeviceSocketPairTest.Peer;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The route monitor's real read loop (JNA poll/read, parsing, close) over a Unix datagram socketpair, which keeps
 * message boundaries as a routing socket does: the peer end plays the kernel and writes Darwin's messages.
 */
class MacRouteMonitorSocketPairTest {

    private static final int SHUT_RD = 0;

    private int peer = -1;
    private int monitorFd = -1;
    private MacRouteMonitor monitor;

    @BeforeEach
    void open() {
        assumeTrue(com.sun.jna.Platform.isLinux() || com.sun.jna.Platform.isMac(), "needs a POSIX libc");
        int[] fds = Peer.pair(Peer.SOCK_DGRAM);
        peer = fds[1];
        monitorFd = fds[0];
        monitor = new MacRouteMonitor(fds[0]);
    }

    @AfterEach
    void close() {
        if (monitor != null) {
            monitor.close();
        }
        if (peer >= 0) {
            Peer.close(peer);
        }
    }

    private void kernelWrites(byte[] message) {
        assertEquals(message.length, Peer.write(peer, message, message.length));
    }

    @Test
    void neighbourChurnIsReadAndPassedOverTheDefaultRouteGoingEndsTheWait() throws Exception {
        kernelWrites(route(RoutingMessage.RTM_ADD, 4, RTF_UP | RTF_HOST | RTF_LLINFO, RTA_DST | RTA_GATEWAY, 0,
                inet(192, 0, 2, 9), link(4)));
        kernelWrites(route(RoutingMessage.RTM_ADD, 9, RTF_UP, RTA_DST | RTA_GATEWAY | RTA_NETMASK, 0,
                inet(128, 0, 0, 0), link(9), mask(0x80)));
        kernelWrites(route(RoutingMessage.RTM_DELETE, 4, RTF_UP | RTF_GATEWAY, RTA_DST | RTA_GATEWAY | RTA_NETMASK, 0,
                inet(0, 0, 0, 0), inet(192, 0, 2, 1), mask()));

        CompletableFuture<Boolean> changed = CompletableFuture.supplyAsync(() -> await(monitor));
        assertTrue(changed.get(10, TimeUnit.SECONDS));
        RoutingMessage why = monitor.lastChange();
        assertEquals(RoutingMessage.RTM_DELETE, why.type(), "the two before it were passed over: " + why);
        assertEquals(RoutingMessage.Destination.UNSPECIFIED, why.destination());
    }

    @Test
    void closeEndsAWaitWithNothingToRead() throws Exception {
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> await(monitor));
        assertThrows(java.util.concurrent.TimeoutException.class, () -> waiting.get(300, TimeUnit.MILLISECONDS),
                "nothing written: still waiting");
        monitor.close();
        assertFalse(waiting.get(10, TimeUnit.SECONDS), "closed");
        assertFalse(monitor.awaitChange(), "and stays closed");
    }

    /** On Darwin a routing socket shut down for reading reads 0; a SOCK_SEQPACKET pair does that on Linux. */
    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSocketThatReadsEndOfFileIsAFailureTheWatcherFallsBackOn() {
        int[] fds = Peer.pair(Peer.SOCK_SEQPACKET);
        try (MacRouteMonitor ended = new MacRouteMonitor(fds[0])) {
            Shutdown.shutdown(fds[0], SHUT_RD);
            IOException e = assertThrows(IOException.class, ended::awaitChange);
            assertTrue(e.getMessage().contains("shut down"), e.getMessage());
        } finally {
            Peer.close(fds[1]);
        }
    }

    /**
     * A socket poll keeps calling readable while reads find nothing (a Linux datagram socket shut down for reading
     * does that) must not spin a core: after a bounded number of empty reads it is a failure.
     */
    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSocketThatStaysReadableWithNothingToReadIsAFailureNotASpin() {
        Shutdown.shutdown(monitorFd, SHUT_RD);
        IOException e = assertThrows(IOException.class, monitor::awaitChange);
        assertTrue(e.getMessage().contains("readable but gives nothing (" + MacRouteMonitor.MAX_EMPTY_READS + " times)"),
                e.getMessage());
    }

    /** {@code shutdown(2)}, which only this test needs. */
    static final class Shutdown {
        static {
            com.sun.jna.Native.register(com.sun.jna.Platform.C_LIBRARY_NAME);
        }

        static native int shutdown(int fd, int how) throws com.sun.jna.LastErrorException;
    }

    private static boolean await(MacRouteMonitor m) {
        try {
            return m.awaitChange();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
