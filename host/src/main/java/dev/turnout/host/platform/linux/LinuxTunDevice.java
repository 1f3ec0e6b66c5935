package dev.turnout.host.platform.linux;

import com.sun.jna.Function;
import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import dev.turnout.host.platform.FlowSteering;
import dev.turnout.host.platform.KernelNat;
import dev.turnout.host.platform.TunDevice;
import dev.turnout.host.platform.TunQueue;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux TUN device ({@code /dev/net/tun}, {@code IFF_TUN | IFF_NO_PI}): each read or write is exactly one
 * IP packet, with no prefix, or with offloads on ({@code IFF_VNET_HDR}) a 10-byte {@code virtio_net_hdr} then
 * a packet of up to 64 KiB.
 *
 * <p>Offloads matter more than anything else on this path: with {@code TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6}
 * the kernel hands over a whole TSO burst as one packet with its checksum left partial, and takes it back
 * that way, so the per-packet costs (a syscall each way, checksums in the kernel) are paid once per 64 KiB
 * instead of once per MTU (see bench/tun.sh for the measured difference).
 *
 * <p>Packets move through Netty's JNI {@code FileDescriptor.readAddress/writeAddress} (one syscall, no
 * copies beyond the kernel's), and readiness comes from the same epoll loop that serves the TCP listener and
 * the outbound sockets, through an {@link EpollIoHandle}: one thread handles a packet from read to write with
 * no hand-off. (A dedicated blocking reader thread would add a queue hop per packet; not measured against.)
 *
 * <p>Asked for several queues, the device is made with {@code IFF_MULTI_QUEUE} and {@code /dev/net/tun} is
 * opened once per queue with the same name and flags. The kernel sends each flow's packets to one queue: the
 * one that last wrote a packet of that flow (its flow table, keyed by the symmetric hash of the addresses and
 * ports, entries aged out after about 3 s), else one picked by that hash. A kernel without multi-queue (or
 * refusing more queues) leaves the device with the queues it could attach, and says so.
 */
final class LinuxTunDevice implements TunDevice {

    private static final Logger log = LoggerFactory.getLogger(LinuxTunDevice.class);

    private final String name;
    private final List<Queue> queues;
    private final int vnetHeader;
    /** What a persistent device had before Turnout attached (or before a killed Turnout did); null when Turnout made it. */
    private volatile Found found;
    private volatile boolean steered;
    /** The link holding the NAT program on the device and its maps, once {@link #kernelNat} set them up. */
    private volatile int[] natDescriptors;

    private LinuxTunDevice(String name, List<Queue> queues, int vnetHeader, Found found) {
        this.name = name;
        this.queues = List.copyOf(queues);
        this.vnetHeader = vnetHeader;
        this.found = found;
    }

    /**
     * The settings a persistent TUN ({@code ip tuntap add}, or another program's) had when Turnout attached to it,
     * which {@link LinuxPlatform#giveBack} puts back: the device outlives Turnout, and with Turnout's address left on
     * it the next start was refused ("Address already assigned").
     */
    record Found(int mtu, int txQueueLength, boolean up, int linkdown4, int linkdown6) {

        /** A sysctl the device lacks (IPv6 switched off on it): nothing to put back. */
        static final int ABSENT = -1;

        /** As kept in the state file: {@code mtu 1400 qlen 500 down linkdown4 0 linkdown6 0}. */
        String record() {
            return "mtu " + mtu + " qlen " + txQueueLength + (up ? " up" : " down") + " linkdown4 " + linkdown4
                    + " linkdown6 " + linkdown6;
        }

        /** Reads {@link #record()}'s words (an address list after them is the caller's); null when they are not. */
        static Found parse(String record) {
            String[] w = record.trim().split("\\s+");
            try {
                if (w.length >= 9 && w[0].equals("mtu") && w[2].equals("qlen") && w[5].equals("linkdown4")
                        && w[7].equals("linkdown6") && (w[4].equals("up") || w[4].equals("down"))) {
                    return new Found(Integer.parseInt(w[1]), Integer.parseInt(w[3]), w[4].equals("up"),
                            Integer.parseInt(w[6]), Integer.parseInt(w[8]));
                }
            } catch (NumberFormatException e) {
                return null;
            }
            return null;
        }
    }

    /** Null when Turnout made the device (it goes when Turnout closes it). */
    Found found() {
        return found;
    }

    /**
     * What a killed Turnout's state file says the device was before that run: what it is now is what the crash left
     * (Turnout's MTU, up), which a give-back would otherwise keep for good.
     */
    void foundBefore(Found earlier) {
        if (found != null && earlier != null) {
            found = earlier;
        }
    }

    @Override
    public boolean persistent() {
        return found != null;
    }

    /**
     * Creates the device.
     *
     * @param offload open it with {@code IFF_VNET_HDR} and turn on checksum and TCP segmentation offload;
     *     a kernel that refuses the offloads still gets the header (all zero: plain packets)
     * @param queueCount how many queues to open (1: a plain single-queue device, as before multi-queue)
     */
    static LinuxTunDevice open(String requestedName, boolean offload, int queueCount) throws IOException {
        Epoll.ensureAvailability(); // loads the JNI library FileDescriptor needs
        String want = requestedName == null || requestedName.isEmpty() ? "tun%d" : requestedName;
        byte[] nameBytes = want.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length >= LibC.IFNAMSIZ) {
            throw new IOException("interface name longer than " + (LibC.IFNAMSIZ - 1) + " bytes: " + want);
        }
        short base = (short) (LibC.IFF_TUN | LibC.IFF_NO_PI | (offload ? LibC.IFF_VNET_HDR : 0));
        Found found = null;
        Path sys = Path.of("/sys/class/net", want);
        if (!want.contains("%") && Files.exists(sys.resolve("tun_flags"))) {
            int tunFlags = sysfsNumber(sys.resolve("tun_flags"));
            if ((tunFlags & LibC.IFF_PERSIST) == 0) {
                throw new NameTaken("a TUN named " + want + " is in use by another program (another VPN?): choose "
                        + "another tun.device", null);
            }
            found = new Found(sysfsNumber(sys.resolve("mtu")), sysfsNumber(sys.resolve("tx_queue_len")),
                    (sysfsNumber(sys.resolve("flags")) & 1) != 0, LinuxPlatform.linkdownSysctl("ipv4", want),
                    LinuxPlatform.linkdownSysctl("ipv6", want));
            // The kernel attaches only with the device's own multi-queue flag (EINVAL otherwise).
            boolean multiQueue = (tunFlags & LibC.IFF_MULTI_QUEUE) != 0;
            log.info("tun {} exists already (persistent: made with 'ip tuntap add' or by another program): Turnout "
                    + "uses it{} and gives it back as it found it when it stops", want,
                    multiQueue || queueCount == 1 ? "" : " with one queue (it was made without multi_queue)");
            if (multiQueue) {
                base |= LibC.IFF_MULTI_QUEUE;
                queueCount = Math.max(queueCount, 1);
            } else {
                queueCount = 1;
            }
        }
        List<Queue> opened = new ArrayList<>();
        String name;
        if ((base & LibC.IFF_MULTI_QUEUE) != 0) {
            name = attach(want, base, opened);
        } else if (queueCount > 1) {
            try {
                name = attach(want, (short) (base | LibC.IFF_MULTI_QUEUE), opened);
            } catch (NoTunAccess | NameTaken e) {
                throw e; // one queue would be refused the same way: the warning below would only mislead
            } catch (IOException e) {
                log.warn("tun {}: no multi-queue device ({}); one queue", want, e.getMessage());
                name = attach(want, base, opened);
                queueCount = 1;
            }
        } else {
            name = attach(want, base, opened);
        }
        try {
            if (offload) {
                try {
                    LibC.ioctl(opened.get(0).fd.intValue(), LibC.TUNSETOFFLOAD,
                            LibC.TUN_F_CSUM | LibC.TUN_F_TSO4 | LibC.TUN_F_TSO6);
                } catch (LastErrorException e) {
                    log.warn("tun {}: the kernel refused checksum/segmentation offload (errno {}); plain packets",
                            name, e.getErrorCode());
                }
            }
            for (int i = 1; i < queueCount; i++) {
                try {
                    attach(name, (short) (base | LibC.IFF_MULTI_QUEUE), opened);
                } catch (IOException e) {
                    log.warn("tun {}: {} of {} queues ({})", name, opened.size(), queueCount, e.getMessage());
                    break;
                }
            }
            return new LinuxTunDevice(name, opened, offload ? LibC.VIRTIO_NET_HDR_LEN : 0, found);
        } catch (RuntimeException | Error e) {
            opened.forEach(Queue::closeQuietly);
            throw e;
        }
    }

    /** {@code /dev/net/tun} itself refused: no queue of any kind can be opened. */
    private static final class NoTunAccess extends IOException {
        NoTunAccess(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A device that is not a TUN has the name asked for: no queue of any kind can take it. */
    private static final class NameTaken extends IOException {
        NameTaken(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Why {@code node} could not be opened. EACCES is the node's mode, which no capability overrides (CAP_NET_ADMIN
     * is asked for later, at TUNSETIFF): it names the mode and owner, and the capability only where this process
     * lacks it too; EPERM is the capability.
     */
    static String openFailure(int errno, Path node, boolean netAdmin) {
        String head = "cannot open " + node + " (errno " + errno + ")";
        String capability = "; root or CAP_NET_ADMIN needed";
        return switch (errno) {
            case 13 -> {
                String what;
                try {
                    PosixFileAttributes a = Files.readAttributes(node, PosixFileAttributes.class);
                    what = node + " is " + PosixFilePermissions.toString(a.permissions()) + " " + a.owner().getName()
                            + ":" + a.group().getName();
                } catch (IOException | UnsupportedOperationException | SecurityException x) {
                    what = node + "'s mode";
                }
                yield head + ": permission denied: " + what + ", which does not let " + System.getProperty("user.name")
                        + " read and write it, whatever its capabilities (make it 0666, as most distributions do)"
                        + (netAdmin ? "" : capability);
            }
            case 1 -> head + capability;
            case 2, 6, 19 -> head + ": no TUN support here (load the tun module: modprobe tun)";
            default -> head;
        };
    }

    /** Whether this process has CAP_NET_ADMIN (bit 12 of CapEff), as root or as the systemd unit's ambient one. */
    static boolean hasNetAdmin() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 12)) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: say the capability as before
        }
        return false;
    }

    /** Opens {@code /dev/net/tun} and attaches it to device {@code want} with {@code flags}; returns the name. */
    private static String attach(String want, short flags, List<Queue> opened) throws IOException {
        byte[] nameBytes = want.getBytes(StandardCharsets.US_ASCII);
        int fd;
        try {
            fd = LibC.open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new NoTunAccess(openFailure(e.getErrorCode(), Path.of("/dev/net/tun"), hasNetAdmin()), e);
        }
        try {
            byte[] ifreq = new byte[LibC.IFREQ_SIZE];
            System.arraycopy(nameBytes, 0, ifreq, 0, nameBytes.length);
            // short flags at offset 16, native (little-endian) byte order
            ifreq[16] = (byte) flags;
            ifreq[17] = (byte) (flags >> 8);
            LibC.ioctl(fd, new NativeLong(LibC.TUNSETIFF), ifreq);
            int len = 0;
            while (len < LibC.IFNAMSIZ && ifreq[len] != 0) {
                len++;
            }
            opened.add(new Queue(fd));
            return new String(ifreq, 0, len, StandardCharsets.US_ASCII);
        } catch (LastErrorException e) {
            closeQuietly(fd);
            Path device = Path.of("/sys/class/net", want);
            if (e.getErrorCode() == 22 && Files.isDirectory(device) && !Files.exists(device.resolve("tun_flags"))) {
                // EINVAL said nothing more, after a warning about multi-queue that had nothing to do with it.
                throw new NameTaken("a network device named " + want + " exists and is not a TUN: choose another "
                        + "tun.device", e);
            }
            if (e.getErrorCode() == 16) {
                throw new NameTaken("a TUN named " + want + " is in use by another program (another VPN?): choose "
                        + "another tun.device", e);
            }
            // EPERM: /dev/net/tun is usually open to everyone, creating the device is not.
            throw new IOException("TUNSETIFF " + want + " failed (errno " + e.getErrorCode() + ")"
                    + (e.getErrorCode() == 1 ? "; root or CAP_NET_ADMIN needed" : ""), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /** A number from sysfs, decimal or {@code 0x} hexadecimal. */
    private static int sysfsNumber(Path file) throws IOException {
        String text = Files.readString(file).trim();
        try {
            return text.startsWith("0x") ? Integer.parseUnsignedInt(text.substring(2), 16) : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IOException("unexpected " + file + ": " + text, e);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            LibC.close(fd);
        } catch (LastErrorException ignored) {
            // nothing else to do
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vnetHeaderLength() {
        return vnetHeader;
    }

    @Override
    public List<? extends TunQueue> queues() {
        return queues;
    }

    int fd() {
        return queues.get(0).fd.intValue();
    }

    /**
     * Loads {@link SteeringProgram} for {@code steering} and makes it the device's queue selector. Needs CAP_BPF
     * (or root) besides CAP_NET_ADMIN, and Linux 5.1 or later (the program's 32-bit jumps); without them the kernel's
     * own flow hash stays.
     */
    @Override
    public boolean steer(FlowSteering steering) {
        if (queues.size() < 2) {
            return false;
        }
        int program;
        try {
            program = Bpf.load(Bpf.BPF_PROG_TYPE_SOCKET_FILTER, SteeringProgram.of(steering), "Proprietary");
        } catch (IOException | LastErrorException | UnsatisfiedLinkError e) {
            return withoutSteering(e.getMessage());
        }
        try {
            // The program's descriptor, an int the ioctl reads; the device keeps its own reference to the program.
            byte[] fd = {(byte) program, (byte) (program >> 8), (byte) (program >> 16), (byte) (program >> 24)};
            LibC.ioctl(fd(), new NativeLong(LibC.TUNSETSTEERINGEBPF), fd);
            steered = true;
            return true;
        } catch (LastErrorException e) {
            return withoutSteering("TUNSETSTEERINGEBPF failed (errno " + e.getErrorCode() + ")");
        } finally {
            closeQuietly(program);
        }
    }

    /**
     * Loads {@link NatProgram} with a map per IP version for {@code 2 * maxFlows} entries each (one per direction of
     * each flow) and attaches it to the device's way out through a tcx link (Linux 6.6+, CAP_BPF and CAP_NET_ADMIN).
     * The link and the maps are descriptors of this process: closing the device, or the process ending, detaches
     * the program and frees the maps; nothing is left behind.
     */
    @Override
    public KernelNat kernelNat(int maxFlows) {
        int map = -1;
        int map6 = -1;
        int program = -1;
        try {
            int ifindex = IF_NAMETOINDEX.invokeInt(new Object[] {name});
            if (ifindex == 0) {
                throw new IOException("no interface index for " + name);
            }
            map = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, NatProgram.ENTRY_SIZE, NatProgram.ENTRY_SIZE,
                    2 * Math.max(1, maxFlows), Bpf.BPF_F_NO_PREALLOC);
            map6 = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, NatProgram.ENTRY_SIZE6, NatProgram.ENTRY_SIZE6,
                    2 * Math.max(1, maxFlows), Bpf.BPF_F_NO_PREALLOC);
            program = Bpf.load(Bpf.BPF_PROG_TYPE_SCHED_CLS, NatProgram.of(map, map6), "Proprietary", "turnout_nat");
            int link = Bpf.attach(program, ifindex, Bpf.BPF_TCX_EGRESS);
            KernelNat made = new MapNat(map, map6);
            natDescriptors = new int[] {link, map, map6};
            log.info("tun {}: the kernel rewrites the packets of established TCP flows (tcx egress program)", name);
            return made;
        } catch (IOException | LastErrorException | UnsatisfiedLinkError e) {
            if (map >= 0) {
                closeQuietly(map);
            }
            if (map6 >= 0) {
                closeQuietly(map6);
            }
            log.info("tun {}: every packet goes through the engine ({})", name, e.getMessage());
            return null;
        } finally {
            if (program >= 0) {
                closeQuietly(program); // the link holds the program
            }
        }
    }

    private static final Function IF_NAMETOINDEX = Function.getFunction(Platform.C_LIBRARY_NAME, "if_nametoindex",
            Function.THROW_LAST_ERROR);

    private boolean withoutSteering(String why) {
        log.info("tun {}: no eBPF queue steering ({}); packets of a flow the kernel sends to another lane's queue are "
                + "handed to their lane", name, why);
        return false;
    }

    @Override
    public int read(long address, int capacity) throws IOException {
        return queues.get(0).read(address, capacity);
    }

    @Override
    public int write(long address, int length) throws IOException {
        return queues.get(0).write(address, length);
    }

    @Override
    public Future<?> watchReadable(IoEventLoop loop, Runnable onReadable) {
        return queues.get(0).watchReadable(loop, onReadable);
    }

    @Override
    public void close() throws IOException {
        if (found != null && vnetHeader > 0 && !queues.isEmpty()) {
            // The offloads stay with a persistent device: the next program to attach without a virtio header
            // would be handed 64 KB segments it cannot tell from packets.
            try {
                LibC.ioctl(fd(), LibC.TUNSETOFFLOAD, 0);
            } catch (LastErrorException e) {
                log.warn("tun {}: turning its offloads off again failed (errno {})", name, e.getErrorCode());
            }
        }
        if (found != null && steered) {
            try {
                LibC.ioctl(fd(), new NativeLong(LibC.TUNSETSTEERINGEBPF), new byte[] {-1, -1, -1, -1});
            } catch (LastErrorException e) {
                log.warn("tun {}: removing its queue steering failed (errno {})", name, e.getErrorCode());
            }
        }
        int[] held = natDescriptors;
        if (held != null) {
            natDescriptors = null;
            for (int fd : held) {
                closeQuietly(fd);
            }
        }
        IOException failed = null;
        for (Queue q : queues) {
            try {
                q.close();
            } catch (IOException e) {
                failed = e;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** One queue's descriptor and its watch. */
    private static final class Queue implements TunQueue {
        private final FileDescriptor fd;
        private volatile IoRegistration registration;

        Queue(int fd) {
            this.fd = new FileDescriptor(fd);
        }

        @Override
        public int read(long address, int capacity) throws IOException {
            return fd.readAddress(address, 0, capacity);
        }

        @Override
        public int write(long address, int length) throws IOException {
            return fd.writeAddress(address, 0, length);
        }

        @Override
        public Future<?> watchReadable(IoEventLoop loop, Runnable onReadable) {
            Promise<Object> done = loop.newPromise();
            loop.register(new Handle(fd, onReadable)).addListener(f -> {
                if (!f.isSuccess()) {
                    done.tryFailure(f.cause());
                    return;
                }
                IoRegistration reg = (IoRegistration) f.getNow();
                registration = reg;
                try {
                    // Level-triggered on purpose: the reader may stop early to keep the loop fair.
                    reg.submit(EpollIoOps.EPOLLIN);
                    done.trySuccess(null);
                } catch (RuntimeException e) {
                    reg.cancel();
                    done.tryFailure(e);
                }
            });
            return done;
        }

        void close() throws IOException {
            IoRegistration reg = registration;
            if (reg != null) {
                registration = null;
                try {
                    reg.cancel();
                } catch (RejectedExecutionException stopped) {
                    // Its loop has stopped (TunInbound stops the lanes first): the epoll instance went with it.
                }
            }
            if (fd.isOpen()) {
                fd.close();
            }
        }

        void closeQuietly() {
            try {
                close();
            } catch (IOException ignored) {
                // closing on a failed open: nothing else to do
            }
        }
    }

    private static final class Handle implements EpollIoHandle {
        private final FileDescriptor fd;
        private final Runnable onReadable;

        Handle(FileDescriptor fd, Runnable onReadable) {
            this.fd = fd;
            this.onReadable = onReadable;
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            onReadable.run();
        }

        @Override
        public void close() {
            // The device owns the descriptor; closing the watch does not close it.
        }
    }
}
