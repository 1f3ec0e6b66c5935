package dev.turnout.host.platform.macos;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import dev.turnout.host.platform.TunDevice;
import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A macOS utun device: a {@code PF_SYSTEM} kernel-control socket connected to
 * {@code com.apple.net.utun_control}. Each datagram is one packet behind a 4-byte protocol-family header,
 * which this class adds and strips ({@link UtunFraming}) with {@code readv}/{@code writev} over two iovecs
 * (header, caller's buffer): no copy and no allocation per packet. The iovecs and header live in a small
 * native block per thread.
 *
 * <p>Readiness comes from {@link PollReadiness} (see there for why not kqueue yet).
 */
final class MacTunDevice implements TunDevice {

    /** Reads a byte at an absolute address: offset from a zero base, so no {@code Pointer} per packet. */
    private static final Pointer ABSOLUTE = new Pointer(0);
    private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    /** Bad frames skipped in one {@link #read} before it yields to the loop. */
    private static final int MAX_SKIPPED = 64;

    // Scratch layout: struct iovec iov[2] (16 bytes each on LP64), then the 4-byte header.
    private static final int IOV0_BASE = 0;
    private static final int IOV0_LEN = 8;
    private static final int IOV1_BASE = 16;
    private static final int IOV1_LEN = 24;
    private static final int HEADER = 32;
    private static final int SCRATCH_SIZE = 40;

    private final String name;
    private final int fd;
    private final UtunFraming framing = new UtunFraming();
    private final ThreadLocal<Memory> scratch = ThreadLocal.withInitial(() -> new Memory(SCRATCH_SIZE));
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile PollReadiness watch;

    /** Wraps an open, non-blocking datagram descriptor (a utun, or a socketpair in the tests). */
    MacTunDevice(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Creates a utun device.
     *
     * @param requestedName {@code utunN}, or null/empty for the next free one
     */
    static MacTunDevice open(String requestedName) throws IOException {
        int unit;
        try {
            unit = SockaddrCtl.unitFor(requestedName);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        int fd;
        try {
            fd = MacLibC.socket(SockaddrCtl.AF_SYSTEM, MacLibC.SOCK_DGRAM, MacLibC.SYSPROTO_CONTROL);
        } catch (LastErrorException e) {
            throw new IOException("cannot create a PF_SYSTEM control socket (errno " + e.getErrorCode() + ")", e);
        }
        String step = "CTLIOCGINFO " + CtlInfo.UTUN_CONTROL;
        try {
            Memory info = new Memory(CtlInfo.SIZE);
            info.write(0, CtlInfo.request(CtlInfo.UTUN_CONTROL), 0, CtlInfo.SIZE);
            MacLibC.variadic().ioctl(fd, new NativeLong(CtlInfo.CTLIOCGINFO), info);
            int ctlId = CtlInfo.ctlId(info.getByteArray(0, CtlInfo.SIZE));

            step = "connect to utun unit " + unit + " (" + (unit == 0 ? "next free" : "utun" + (unit - 1))
                    + "); root is needed, and a fixed name must be free";
            MacLibC.connect(fd, SockaddrCtl.of(ctlId, unit), SockaddrCtl.SIZE);

            step = "UTUN_OPT_IFNAME";
            byte[] ifName = new byte[MacLibC.IFNAMSIZ];
            int[] len = {ifName.length};
            MacLibC.getsockopt(fd, MacLibC.SYSPROTO_CONTROL, MacLibC.UTUN_OPT_IFNAME, ifName, len);
            int n = 0;
            while (n < Math.min(len[0], ifName.length) && ifName[n] != 0) {
                n++;
            }

            step = "O_NONBLOCK";
            MacLibC.nonBlockingCloseOnExec(fd);
            return new MacTunDevice(new String(ifName, 0, n, StandardCharsets.US_ASCII), fd);
        } catch (LastErrorException e) {
            closeQuietly(fd);
            throw new IOException(step + " failed (errno " + e.getErrorCode() + ")", e);
        } catch (RuntimeException | Error e) {
            closeQuietly(fd);
            throw e;
        }
    }

    private static void closeQuietly(int fd) {
        try {
            MacLibC.close(fd);
        } catch (LastErrorException ignored) {
            // nothing more to do
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** utun has no offload header; its 4-byte family prefix is handled inside read and write. */
    @Override
    public int vnetHeaderLength() {
        return 0;
    }

    /** Packets dropped because their header or version was wrong, in either direction. */
    long rejectedPackets() {
        return framing.rejected();
    }

    @Override
    public int read(long address, int capacity) throws IOException {
        Memory s = scratch.get();
        long base = Pointer.nativeValue(s);
        s.setLong(IOV0_BASE, base + HEADER);
        s.setLong(IOV0_LEN, UtunFraming.HEADER_SIZE);
        s.setLong(IOV1_BASE, address);
        s.setLong(IOV1_LEN, capacity);
        for (int skipped = 0; skipped < MAX_SKIPPED; ) {
            long n = MacLibC.readv(fd, base, 2);
            if (n < 0) {
                int errno = Native.getLastError();
                if (errno == MacLibC.EAGAIN) {
                    return 0;
                }
                if (errno == MacLibC.EINTR) {
                    continue;
                }
                throw new IOException("read from " + name + " failed (errno " + errno + ")");
            }
            if (n == 0) {
                return -1; // the kernel side of the control socket is gone
            }
            int family = s.getInt(HEADER);
            family = LITTLE ? Integer.reverseBytes(family) : family;
            int first = n > UtunFraming.HEADER_SIZE ? ABSOLUTE.getByte(address) : 0;
            int len = framing.packetLength(family, first, (int) n);
            if (len >= 0) {
                return len;
            }
            skipped++;
        }
        return 0;
    }

    /**
     * Writes one IP packet. A packet whose version is neither 4 nor 6 cannot be framed: it is dropped and
     * counted ({@link #rejectedPackets()}), and reported as taken so the engine does not retry it.
     */
    @Override
    public int write(long address, int length) throws IOException {
        if (length <= 0) {
            framing.rejectOutgoing();
            return Math.max(length, 0);
        }
        int family = UtunFraming.familyOf(ABSOLUTE.getByte(address));
        if (family < 0) {
            framing.rejectOutgoing();
            return length;
        }
        Memory s = scratch.get();
        long base = Pointer.nativeValue(s);
        s.setInt(HEADER, LITTLE ? Integer.reverseBytes(family) : family);
        s.setLong(IOV0_BASE, base + HEADER);
        s.setLong(IOV0_LEN, UtunFraming.HEADER_SIZE);
        s.setLong(IOV1_BASE, address);
        s.setLong(IOV1_LEN, length);
        while (true) {
            long n = MacLibC.writev(fd, base, 2);
            if (n >= 0) {
                return (int) Math.max(0, n - UtunFraming.HEADER_SIZE);
            }
            int errno = Native.getLastError();
            if (errno == MacLibC.EAGAIN || errno == MacLibC.ENOBUFS) {
                return 0;
            }
            if (errno != MacLibC.EINTR) {
                throw new IOException("write to " + name + " failed (errno " + errno + ")");
            }
        }
    }

    @Override
    public Future<?> watchReadable(IoEventLoop loop, Runnable onReadable) {
        Promise<Object> done = loop.newPromise();
        if (closed.get()) {
            return done.setFailure(new IOException(name + " is closed"));
        }
        if (watch != null) {
            return done.setFailure(new IllegalStateException(name + " is already watched"));
        }
        PollReadiness w = new PollReadiness(fd, name, loop, onReadable);
        watch = w;
        w.start();
        return done.setSuccess(null);
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        PollReadiness w = watch;
        if (w != null) {
            watch = null;
            w.close(); // leaves poll() before the descriptor number can be reused
        }
        try {
            MacLibC.close(fd);
        } catch (LastErrorException e) {
            throw new IOException("close " + name + " failed (errno " + e.getErrorCode() + ")", e);
        }
    }
}
