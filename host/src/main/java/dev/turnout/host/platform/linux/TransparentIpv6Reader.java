package dev.turnout.host.platform.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import dev.turnout.host.platform.TransparentReceiver;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A transparent IPv6-only UDP socket read with {@code recvmsg(2)} on a thread of its own, for the one thing Netty's
 * epoll transport does not give: each IPv6 datagram's original destination ({@code IPV6_ORIGDSTADDR}), which
 * TPROXY'd datagrams carry. One buffer for the datagram, its sender and its control messages, reused for every read.
 * Reads wait at most half a second, so that closing stops the thread within that.
 */
final class TransparentIpv6Reader implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TransparentIpv6Reader.class);

    private static final int SOCKADDR_IN6 = 28;
    private static final int MAX_DATAGRAM = 65_535;
    private static final int CONTROL = 128;
    // struct msghdr and struct iovec on LP64 Linux (x86_64, aarch64).
    private static final int MSGHDR = 56;
    private static final int IOVEC = 16;
    private static final int AT_MSGHDR = 0;
    private static final int AT_IOVEC = AT_MSGHDR + MSGHDR;
    private static final int AT_NAME = AT_IOVEC + IOVEC;
    private static final int AT_CONTROL = AT_NAME + 32;
    private static final int AT_PAYLOAD = AT_CONTROL + CONTROL;

    private final int fd;
    private final NativeBuffer memory = NativeBuffer.allocate(AT_PAYLOAD + MAX_DATAGRAM, ByteOrder.nativeOrder());
    private final TransparentReceiver receiver;
    private final Thread thread;
    private volatile boolean closed;

    private TransparentIpv6Reader(int fd, TransparentReceiver receiver, String name) {
        this.fd = fd;
        this.receiver = receiver;
        this.thread = new Thread(this::readAll, name);
        this.thread.setDaemon(true);
    }

    /** Binds a transparent IPv6-only socket to {@code address} and starts reading it. */
    static TransparentIpv6Reader open(InetSocketAddress address, TransparentReceiver receiver) throws IOException {
        if (com.sun.jna.Native.POINTER_SIZE != 8 || !(address.getAddress() instanceof Inet6Address v6)) {
            throw new IOException("reading IPv6 original destinations needs 64-bit Linux and an IPv6 address");
        }
        int fd;
        try {
            fd = LibC.socket(LibC.AF_INET6, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new IOException("socket(AF_INET6, SOCK_DGRAM): errno " + e.getErrorCode(), e);
        }
        try {
            option(fd, LibC.SOL_IPV6, LibC.IPV6_V6ONLY, "IPV6_V6ONLY");
            option(fd, LibC.SOL_SOCKET, LibC.SO_REUSEADDR, "SO_REUSEADDR");
            option(fd, LibC.SOL_IPV6, LibC.IPV6_TRANSPARENT, "IPV6_TRANSPARENT (tproxy-port needs root or "
                    + "CAP_NET_ADMIN)");
            option(fd, LibC.SOL_IPV6, LibC.IPV6_RECVORIGDSTADDR, "IPV6_RECVORIGDSTADDR");
            ByteBuffer timeout = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(0).putLong(500_000);
            setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeout.array(), "SO_RCVTIMEO");
            ByteBuffer sa = ByteBuffer.allocate(SOCKADDR_IN6);
            sa.order(ByteOrder.nativeOrder()).putShort(0, (short) LibC.AF_INET6);
            sa.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) address.getPort());
            sa.put(8, v6.getAddress());
            sa.order(ByteOrder.nativeOrder()).putInt(24, v6.getScopeId());
            try {
                LibC.bind(fd, sa.array(), SOCKADDR_IN6);
            } catch (LastErrorException e) {
                throw new IOException("cannot bind UDP [" + v6.getHostAddress() + "]:" + address.getPort() + ": errno "
                        + e.getErrorCode() + (e.getErrorCode() == 98 ? " (address in use)" : ""), e);
            }
        } catch (IOException e) {
            closeQuietly(fd);
            throw e;
        }
        TransparentIpv6Reader reader = new TransparentIpv6Reader(fd, receiver, "turnout-tproxy6-" + address.getPort());
        reader.prepare();
        reader.thread.start();
        return reader;
    }

    private static void option(int fd, int level, int name, String what) throws IOException {
        setsockopt(fd, level, name, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, 1).array(), what);
    }

    private static void setsockopt(int fd, int level, int name, byte[] value, String what) throws IOException {
        try {
            LibC.setsockopt(fd, level, name, value, value.length);
        } catch (LastErrorException e) {
            throw new IOException("setsockopt " + what + ": errno " + e.getErrorCode(), e);
        }
    }

    /** Points the message header at the iovec, the sender's and the control buffers, which stay where they are. */
    private void prepare() {
        ByteBuffer b = memory.buffer();
        long base = memory.address();
        b.putLong(AT_MSGHDR, base + AT_NAME);
        b.putLong(AT_MSGHDR + 16, base + AT_IOVEC);
        b.putLong(AT_MSGHDR + 24, 1);
        b.putLong(AT_MSGHDR + 32, base + AT_CONTROL);
        b.putLong(AT_IOVEC, base + AT_PAYLOAD);
        b.putLong(AT_IOVEC + 8, MAX_DATAGRAM);
    }

    private void readAll() {
        ByteBuffer b = memory.buffer();
        Pointer msg = new Pointer(memory.address() + AT_MSGHDR);
        while (!closed) {
            // The kernel writes how much it filled in: set the room again before each read.
            b.putInt(AT_MSGHDR + 8, SOCKADDR_IN6);
            b.putLong(AT_MSGHDR + 40, CONTROL);
            b.putInt(AT_MSGHDR + 48, 0);
            long n;
            try {
                n = LibC.recvmsg(fd, msg, 0).longValue();
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LibC.EAGAIN || e.getErrorCode() == LibC.EINTR) {
                    continue; // the read timed out: look at closed again
                }
                if (!closed) {
                    log.warn("tproxy-port: reading IPv6 datagrams failed (errno {}); IPv6 UDP is no longer served",
                            e.getErrorCode());
                }
                return;
            }
            try {
                InetSocketAddress client = OriginalDestination.decode(b.slice(AT_NAME, SOCKADDR_IN6));
                InetSocketAddress to = originalDestination(b, (int) b.getLong(AT_MSGHDR + 40));
                if (to != null) {
                    receiver.receive(client, to, b.slice(AT_PAYLOAD, (int) n));
                }
            } catch (IOException | RuntimeException e) {
                log.debug("tproxy-port: an IPv6 datagram dropped: {}", e.toString());
            }
        }
    }

    /** The {@code IPV6_ORIGDSTADDR} control message among the {@code length} bytes the kernel gave. */
    private static InetSocketAddress originalDestination(ByteBuffer b, int length) throws IOException {
        int at = 0;
        while (at + 16 <= length && at + 16 <= CONTROL) {
            long len = b.getLong(AT_CONTROL + at);
            int level = b.getInt(AT_CONTROL + at + 8);
            int type = b.getInt(AT_CONTROL + at + 12);
            if (len < 16) {
                return null;
            }
            if (level == LibC.SOL_IPV6 && type == LibC.IPV6_ORIGDSTADDR && len >= 16 + SOCKADDR_IN6) {
                return OriginalDestination.decode(b.slice(AT_CONTROL + at + 16, SOCKADDR_IN6));
            }
            at += (int) ((len + 7) & ~7L);
        }
        return null;
    }

    /** Stops the thread (within half a second) and closes the socket. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(fd);
    }

    private static void closeQuietly(int fd) {
        try {
            LibC.close(fd);
        } catch (LastErrorException e) {
            log.debug("close({}): errno {}", fd, e.getErrorCode());
        }
    }
}
