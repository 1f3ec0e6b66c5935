package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The utun device's real packet path (JNA readv/writev/poll, errno handling, the framing) over a Unix
 * datagram socketpair, which keeps message boundaries as a utun does: the peer end plays the kernel.
 */
class MacTunDeviceSocketPairTest {

    /** libc calls only this test needs, to make and drive the peer end. */
    static final class Peer {
        static {
            Native.register(com.sun.jna.Platform.C_LIBRARY_NAME);
        }

        static native int socketpair(int domain, int type, int protocol, int[] fds) throws LastErrorException;

        static native long read(int fd, byte[] buf, long count) throws LastErrorException;

        static native long write(int fd, byte[] buf, long count) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;

        static final int AF_UNIX = 1;
        static final int SOCK_DGRAM = 2;
        static final int SOCK_SEQPACKET = 5;

        /**
         * A Unix socketpair of {@code type}: [0] non-blocking and close-on-exec, as the code under test opens its
         * own descriptors; [1] the peer end, which plays the kernel.
         */
        static int[] pair(int type) {
            int[] fds = new int[2];
            socketpair(AF_UNIX, type, 0, fds);
            MacLibC.nonBlockingCloseOnExec(fds[0]);
            return fds;
        }
    }

    private int peer = -1;
    private MacTunDevice device;
    private ByteBuffer buffer;
    private long address;

    @BeforeEach
    void open() {
        assumeTrue(com.sun.jna.Platform.isLinux() || com.sun.jna.Platform.isMac(), "needs a POSIX libc");
        int[] fds = Peer.pair(Peer.SOCK_DGRAM);
        peer = fds[1];
        device = new MacTunDevice("utun99", fds[0]);
        buffer = ByteBuffer.allocateDirect(2048);
        address = Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
    }

    @AfterEach
    void close() throws Exception {
        if (device != null) {
            device.close();
        }
        if (peer >= 0) {
            Peer.close(peer);
        }
    }

    private int put(byte[] packet) {
        buffer.clear();
        buffer.put(packet);
        return packet.length;
    }

    private byte[] peerReceive() {
        byte[] b = new byte[4096];
        long n = Peer.read(peer, b, b.length);
        return Arrays.copyOf(b, (int) n);
    }

    private static byte[] framed(int family, byte[] packet) {
        return ByteBuffer.allocate(4 + packet.length).putInt(family).put(packet).array();
    }

    @Test
    void writePrefixesIpv4WithAfInetAndIpv6WithAfInet6() throws Exception {
        byte[] v4 = UtunFramingTest.ipv4Packet();
        assertEquals(v4.length, device.write(address, put(v4)));
        assertArrayEquals(framed(2, v4), peerReceive());

        byte[] v6 = UtunFramingTest.ipv6Packet();
        assertEquals(v6.length, device.write(address, put(v6)));
        byte[] got = peerReceive();
        assertArrayEquals(new byte[] {0, 0, 0, 30}, Arrays.copyOf(got, 4));
        assertArrayEquals(v6, Arrays.copyOfRange(got, 4, got.length));
        assertEquals(0, device.rejectedPackets());
    }

    @Test
    void readStripsTheHeaderAndReportsZeroWhenEmpty() throws Exception {
        assertEquals(0, device.read(address, buffer.capacity()), "EAGAIN is 0, not an error");
        byte[] v6 = UtunFramingTest.ipv6Packet();
        Peer.write(peer, framed(30, v6), v6.length + 4);
        byte[] v4 = UtunFramingTest.ipv4Packet();
        Peer.write(peer, framed(2, v4), v4.length + 4);

        assertEquals(v6.length, device.read(address, buffer.capacity()));
        byte[] got = new byte[v6.length];
        buffer.get(0, got);
        assertArrayEquals(v6, got);
        assertEquals(v4.length, device.read(address, buffer.capacity()));
        got = new byte[v4.length];
        buffer.get(0, got);
        assertArrayEquals(v4, got);
        assertEquals(0, device.read(address, buffer.capacity()));
    }

    @Test
    void badFramesAreSkippedAndCounted() throws Exception {
        byte[] v4 = UtunFramingTest.ipv4Packet();
        Peer.write(peer, framed(30, v4), v4.length + 4); // family disagrees with the version
        Peer.write(peer, new byte[] {0, 0, 0, 2}, 4); // header only
        Peer.write(peer, framed(2, v4), v4.length + 4);
        assertEquals(v4.length, device.read(address, buffer.capacity()), "the good packet after two bad ones");
        assertEquals(2, device.rejectedPackets());
    }

    @Test
    void writeDropsAndCountsAPacketOfNoKnownVersion() throws Exception {
        byte[] bad = UtunFramingTest.ipv4Packet();
        bad[0] = 0x15;
        assertEquals(bad.length, device.write(address, put(bad)), "taken, so the engine does not retry it");
        assertEquals(1, device.rejectedPackets());
        byte[] good = UtunFramingTest.ipv4Packet();
        device.write(address, put(good));
        assertArrayEquals(framed(2, good), peerReceive(), "only the good packet reached the peer");
    }

    @Test
    void watchRunsOnTheLoopWhilePacketsWait() throws Exception {
        IoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            IoEventLoop loop = group.next();
            CountDownLatch two = new CountDownLatch(2);
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            device.watchReadable(loop, () -> {
                ranOn.set(Thread.currentThread());
                try {
                    // Reads one packet per call: the level-triggered watch must call again for the second.
                    if (device.read(address, buffer.capacity()) > 0) {
                        two.countDown();
                    }
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }).sync();
            byte[] v4 = UtunFramingTest.ipv4Packet();
            Peer.write(peer, framed(2, v4), v4.length + 4);
            Peer.write(peer, framed(2, v4), v4.length + 4);
            assertTrue(two.await(5, TimeUnit.SECONDS), "both packets read through the watch");
            assertTrue(loop.inEventLoop(ranOn.get()), "onReadable ran on the loop");
            long start = System.nanoTime();
            device.close();
            device = null;
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "close waits at most briefly");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void interfaceIndexComesFromIfNametoindex() throws Exception {
        assumeTrue(com.sun.jna.Platform.isLinux(), "loopback is lo on Linux");
        int lo = MacPlatform.interfaceIndex("lo");
        assertTrue(lo > 0);
        assertSame(java.io.IOException.class,
                org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                        () -> MacPlatform.interfaceIndex("nosuchif9")).getClass());
        assertEquals(lo, java.net.NetworkInterface.getByName("lo").getIndex());
    }
}
