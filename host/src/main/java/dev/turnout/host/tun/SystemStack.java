package dev.turnout.host.tun;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.KernelNat;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "system" stack's packet engine: reads a packet from its input buffer, and
 * <ul>
 *   <li>TCP: rewrites it in place for the kernel to terminate (application {@code S:s -> D:d} becomes
 *       {@code B:n -> A:P}, the listener's {@code A:P -> B:n} becomes {@code D:d -> S:s}), checksums updated
 *       incrementally (RFC 1624), and writes it back;</li>
 *   <li>UDP: hands the payload to a datagram session per application socket (source address and port) opened
 *       through the tunnel and routed by its first datagram, as mihomo's tunnel does, and sends each datagram
 *       to its own destination; replies become IP packets from whoever sent them (the tunnel gives a name's
 *       reply the fake address the application used). That is a full-cone NAT, endpoint-independent mapping
 *       and filtering (RFC 4787): one outbound port per socket, which a STUN server and every peer see alike,
 *       and which a peer the application never wrote to may reach, as games and WebRTC need. DNS queries
 *       matching dns-hijack go to the {@link DnsHijack} hook;</li>
 *   <li>ICMP/ICMPv6 echo requests to the TUN's own subnet are answered here (so {@code ping} of the TUN
 *       peer address works as a liveness check); all other ICMP is dropped: an echo to the internet cannot
 *       be relayed by a proxy and a fake reply would lie about reachability;</li>
 *   <li>fragments of UDP datagrams (IPv4 MF/offset, IPv6 fragment header) are put back together
 *       ({@link FragmentReassembly}); other fragments are dropped;</li>
 *   <li>anything else, or anything malformed, is dropped and counted.</li>
 * </ul>
 * All of it runs on one event loop; nothing is allocated per TCP packet. With a multi-queue TUN there is one
 * engine per queue (a lane), each with its own tables on its own loop; a packet of a flow another lane owns
 * is handed to that lane ({@link FlowOwners}).
 */
final class SystemStack {

    private static final Logger log = LoggerFactory.getLogger(SystemStack.class);
    private static final AtomicBoolean TOLD_NO_UDP_CUT = new AtomicBoolean();

    /** The addresses of the system stack: A (the TUN's, where the listeners are) and B (the NAT source). */
    record Addressing(int a4, int b4, int prefix4, int listenPort4,
                      long a6Hi, long a6Lo, long b6Hi, long b6Lo, int prefix6, int listenPort6,
                      boolean has4, boolean has6) {

        /** From the TUN's prefixes (either may be null) and the listeners' ports; B is A + 1. */
        static Addressing of(IpPrefix v4, int listenPort4, IpPrefix v6, int listenPort6) {
            long[] a6 = v6 == null ? new long[2] : halves(v6.address());
            long[] b6 = v6 == null ? new long[2] : halves(v6.offset(1));
            return new Addressing(v4 == null ? 0 : int4(v4.address()), v4 == null ? 0 : int4(v4.offset(1)),
                    v4 == null ? 32 : v4.prefixLength(), listenPort4, a6[0], a6[1], b6[0], b6[1],
                    v6 == null ? 128 : v6.prefixLength(), listenPort6, v4 != null, v6 != null);
        }

        /** A rewritten segment's addresses and ports on its way to the listener: B:{@code natPort} to A:P. */
        KernelNat.Tuple toListener(int family, int natPort) {
            return family == 4
                    ? new KernelNat.Tuple(4, 0, b4 & 0xFFFFFFFFL, natPort, 0, a4 & 0xFFFFFFFFL, listenPort4)
                    : new KernelNat.Tuple(6, b6Hi, b6Lo, natPort, a6Hi, a6Lo, listenPort6);
        }

        private static int int4(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != 4) {
                throw new IllegalArgumentException("not IPv4: " + a);
            }
            return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
        }

        private static long[] halves(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != 16) {
                throw new IllegalArgumentException("not IPv6: " + a);
            }
            long hi = 0;
            long lo = 0;
            for (int i = 0; i < 8; i++) {
                hi = hi << 8 | (b[i] & 0xFF);
                lo = lo << 8 | (b[8 + i] & 0xFF);
            }
            return new long[] {hi, lo};
        }
    }

    /** Engine settings that are not addresses. */
    record Limits(int mtu, int tcpCapacity, int tcpPortBase, int udpCapacity, long udpIdleMillis,
                  int udpQueuePerFlow) {
    }

    private static final int BUFFER_SIZE = 65536;
    private static final long EMBRYONIC_MILLIS = 30_000;
    private static final long CLOSED_LINGER_MILLIS = 10_000;
    /** A full table frees entries never accepted and idle this long; a real handshake takes a round trip. */
    private static final long CROWDED_EMBRYONIC_MILLIS = 1_000;
    /** At most one sweep of a full table this often, so a flood does not have each SYN walk the table. */
    private static final long CROWDED_SWEEP_MILLIS = 100;

    private final Addressing ad;
    private final Limits limits;
    private final Tunnel tunnel;
    private final EventLoop loop;
    private final PacketSink sink;
    private final DnsHijack dnsHijack;
    private final HijackTargets hijackTargets;
    private final String inboundName;
    /** The lanes of a multi-queue TUN, or null with one queue. */
    private final FlowOwners owners;
    private final int lane;

    /** mihomo's inbound type and name for TUN flows, which IN-TYPE and IN-NAME rules match. */
    static final String TUN_TYPE = "TUN";
    static final String TUN_NAME = "DEFAULT-TUN";

    /** Bytes of {@code virtio_net_hdr} before each packet on the device (0: plain packets). */
    private final int vnetHeader;
    /** The input frame: the device's header, then the packet ({@link #in} is the packet's slice of it). */
    private final ByteBuffer inFrame;
    private final ByteBuffer in;
    private final long inAddress;
    /** Where replies to the applications' UDP are built (see {@link #writeUdp}). */
    private final UdpReplies replies;
    private final Runnable flushTask = () -> {
        flushQueued = false;
        flushReplies();
    };
    private boolean flushQueued;
    /** The output buffer for the engine's other packets (refusals); its device header is all zero. */
    private final ByteBuffer out;
    private final long outAddress;
    private final IpPacket packet;

    private final TcpNat nat;
    private final FlowIndex udpIndex;
    private final UdpFlow[] udpFlows;

    private final long mask6Hi;
    private final long mask6Lo;
    private final int mask4;

    private long packetsIn;
    private long bytesIn;
    private long packetsOut;
    private long bytesOut;
    private long writesOut;
    private long tcpAccepted;
    private long handedOff;
    /** The frame being processed: its length, for a hand-off to another lane. */
    private int frameLength;
    private long dnsHijacked;
    private final long[] drops = new long[DropReason.values().length];
    private final FragmentReassembly reassembly = new FragmentReassembly();
    private int ipId;
    private long now;
    private long lastCrowdedSweep = Long.MIN_VALUE / 2;
    private long lastCrowdedWarning = Long.MIN_VALUE / 2;
    /** Where a reply too large for the TUN is built before it is cut ({@link #writeFragments}); made at the first. */
    private ByteBuffer whole;
    private boolean closed;
    private boolean refuseIpv6;
    /** The kernel's share of the rewriting (TCP flows past their SYN), or null: all of it here. */
    private KernelNat kernelNat;
    /** Per NAT slot: whether its flow's two directions are in {@link #kernelNat}'s table. */
    private final boolean[] inKernel;
    private long kernelFlows;

    /**
     * @param vnetHeader the length of the {@code virtio_net_hdr} the device puts before every packet it reads
     *     and expects before every packet written ({@link VnetHeader#LENGTH}), or 0 for plain packets. The
     *     sink is then handed the packet's address and length; the header sits just before it.
     */
    SystemStack(Addressing addressing, Limits limits, int vnetHeader, Tunnel tunnel, EventLoop loop, PacketSink sink,
                DnsHijack dnsHijack, HijackTargets hijackTargets, String inboundName) {
        this(addressing, limits, vnetHeader, tunnel, loop, sink, dnsHijack, hijackTargets, inboundName, null, 0);
    }

    /**
     * One lane's engine of a multi-queue TUN: {@code limits} are this lane's share (its NAT ports and table
     * sizes), {@code addressing} names this lane's listeners, and flows {@code owners} gives to another lane are
     * handed to it.
     */
    SystemStack(Addressing addressing, Limits limits, int vnetHeader, Tunnel tunnel, EventLoop loop, PacketSink sink,
                DnsHijack dnsHijack, HijackTargets hijackTargets, String inboundName, FlowOwners owners, int lane) {
        this.owners = owners;
        this.lane = lane;
        this.vnetHeader = vnetHeader;
        this.inFrame = ByteBuffer.allocateDirect(vnetHeader + BUFFER_SIZE);
        this.in = inFrame.slice(vnetHeader, BUFFER_SIZE);
        this.inAddress = Pointer.nativeValue(Native.getDirectBufferPointer(in));
        this.out = ByteBuffer.allocateDirect(vnetHeader + BUFFER_SIZE).slice(vnetHeader, BUFFER_SIZE);
        this.replies = new UdpReplies(vnetHeader);
        this.outAddress = Pointer.nativeValue(Native.getDirectBufferPointer(out));
        this.packet = new IpPacket(in);
        this.ad = addressing;
        this.limits = limits;
        this.tunnel = tunnel;
        this.loop = loop;
        this.sink = sink;
        this.dnsHijack = dnsHijack;
        this.hijackTargets = hijackTargets;
        this.inboundName = inboundName;
        this.nat = new TcpNat(limits.tcpCapacity(), limits.tcpPortBase(), EMBRYONIC_MILLIS, CLOSED_LINGER_MILLIS);
        this.inKernel = new boolean[limits.tcpCapacity()];
        nat.onRemove(this::leaveKernel);
        this.udpIndex = new FlowIndex(limits.udpCapacity());
        this.udpFlows = new UdpFlow[limits.udpCapacity()];
        this.mask4 = addressing.prefix4() == 0 ? 0 : -1 << (32 - addressing.prefix4());
        int p6 = addressing.prefix6();
        this.mask6Hi = p6 == 0 ? 0 : p6 >= 64 ? -1L : -1L << (64 - p6);
        this.mask6Lo = p6 <= 64 ? 0 : p6 == 128 ? -1L : -1L << (128 - p6);
        this.now = System.nanoTime() / 1_000_000;
    }

    /** Native address where the next frame (device header and packet) is to be read. */
    long inputAddress() {
        return inAddress - vnetHeader;
    }

    /** The input frame (device header, then packet), for callers that fill it from Java (tests). */
    ByteBuffer inputBuffer() {
        return inFrame;
    }

    int inputCapacity() {
        return vnetHeader + BUFFER_SIZE;
    }

    /** Sets the clock for the packets that follow (one read per batch, not per packet). */
    void setNow(long millis) {
        this.now = millis;
    }

    /** Processes the {@code frameLength}-byte frame (header and packet) at the input's start. Never throws. */
    void process(int frameLength) {
        int length = frameLength - vnetHeader;
        this.frameLength = frameLength;
        packetsIn++;
        bytesIn += length;
        try {
            DropReason reason = length <= 0 ? DropReason.MALFORMED : packet.parse(length);
            if (reason == DropReason.FRAGMENT) {
                length = fragment(length);
                if (length <= 0) {
                    return; // kept for the datagram's other fragments, handed to their lane, or counted as dropped
                }
                reason = packet.parse(length);
                if (reason == DropReason.FRAGMENT) {
                    reason = DropReason.MALFORMED; // fragmented twice over
                }
            }
            if (reason == null) {
                reason = switch (packet.protocol()) {
                    case IpPacket.TCP -> tcp();
                    case IpPacket.UDP -> udp();
                    default -> icmp();
                };
            }
            if (reason != null) {
                drops[reason.ordinal()]++;
            }
        } catch (RuntimeException e) {
            // A bug, not a bad packet: count it as malformed, keep the engine alive, say it once in a while.
            drops[DropReason.MALFORMED.ordinal()]++;
            if (log.isDebugEnabled() || (drops[DropReason.MALFORMED.ordinal()] & 0xFFF) == 1) {
                log.warn("packet engine failed on a {}-byte packet", length, e);
            }
        }
    }

    // ---------------------------------------------------------------- fragments

    /**
     * Takes the fragment being processed ({@link FragmentReassembly}); all of one datagram's fragments go to one
     * lane, the one its addresses pick, since the kernel's queue choice cannot see the ports of later fragments.
     *
     * @return the whole packet's length, now at the input's start as if read so, or 0 when there is none yet
     */
    private int fragment(int length) {
        ByteBuffer b = in;
        if (owners != null) {
            boolean v4 = (b.get(0) & 0xFF) >>> 4 == 4;
            int owner = v4 ? owners.flowLane(0, b.getInt(12) & 0xFFFFFFFFL, 0, 0, b.getInt(16) & 0xFFFFFFFFL, 0)
                    : owners.flowLane(b.getLong(8), b.getLong(16), 0, b.getLong(24), b.getLong(32), 0);
            if (owner != lane) {
                DropReason r = handOff(owner);
                if (r != null) {
                    drops[r.ordinal()]++;
                }
                return 0;
            }
        }
        int whole = reassembly.offer(b, length, packet.fragmentHeaderAt(), now);
        if (whole <= 0) {
            return 0;
        }
        for (int i = 0; i < vnetHeader; i++) {
            inFrame.put(i, (byte) 0); // the fragments' offload header does not describe the whole: none
        }
        frameLength = vnetHeader + whole;
        return whole;
    }

    // ---------------------------------------------------------------- TCP

    private DropReason tcp() {
        return packet.version() == 4 ? tcp4() : tcp6();
    }

    private DropReason tcp4() {
        ByteBuffer b = in;
        int l4 = packet.l4Offset();
        int src = b.getInt(12);
        int dst = b.getInt(16);
        int sport = b.getShort(l4) & 0xFFFF;
        int dport = b.getShort(l4 + 2) & 0xFFFF;
        int newSrc;
        int newDst;
        int newSport;
        int newDport;
        if (owners != null) {
            int owner = src == ad.a4() && dst == ad.b4() ? owners.listenerLane(4, sport) : -1;
            if (owner < 0 && ad.has4()) {
                owner = owners.flowLane(0, src & 0xFFFFFFFFL, sport, 0, dst & 0xFFFFFFFFL, dport);
            }
            if (owner >= 0 && owner != lane) {
                return handOff(owner);
            }
        }
        if (src == ad.a4() && sport == ad.listenPort4() && dst == ad.b4()) {
            int slot = nat.slotOfPort(dport);
            if (slot < 0 || nat.index().family(slot) != 4) {
                return DropReason.TCP_NO_FLOW;
            }
            nat.touch(slot, now);
            FlowIndex ix = nat.index();
            newSrc = (int) ix.dstLo(slot);
            newSport = ix.dstPort(slot);
            newDst = (int) ix.srcLo(slot);
            newDport = ix.srcPort(slot);
        } else {
            if (!ad.has4()) {
                return DropReason.UNSUPPORTED;
            }
            int slot = forwardSlot(4, 0, src & 0xFFFFFFFFL, sport, 0, dst & 0xFFFFFFFFL, dport, packet.tcpFlags());
            if (slot < 0) {
                return slot == -1 ? DropReason.TCP_NO_FLOW : DropReason.TCP_TABLE_FULL;
            }
            newSrc = ad.b4();
            newSport = nat.port(slot);
            newDst = ad.a4();
            newDport = ad.listenPort4();
        }
        long ipDelta = Checksum.delta32(Checksum.delta32(0, src, newSrc), dst, newDst);
        long tcpDelta = Checksum.delta16(Checksum.delta16(ipDelta, sport, newSport), dport, newDport);
        b.putInt(12, newSrc);
        b.putInt(16, newDst);
        b.putShort(10, (short) Checksum.apply(b.getShort(10) & 0xFFFF, ipDelta));
        b.putShort(l4, (short) newSport);
        b.putShort(l4 + 2, (short) newDport);
        updateTcpChecksum(b, l4, ipDelta, tcpDelta);
        return writeBack(in, inAddress, packet.length());
    }

    private DropReason tcp6() {
        ByteBuffer b = in;
        int l4 = packet.l4Offset();
        long sHi = b.getLong(8);
        long sLo = b.getLong(16);
        long dHi = b.getLong(24);
        long dLo = b.getLong(32);
        int sport = b.getShort(l4) & 0xFFFF;
        int dport = b.getShort(l4 + 2) & 0xFFFF;
        long nsHi;
        long nsLo;
        long ndHi;
        long ndLo;
        int newSport;
        int newDport;
        if (owners != null) {
            boolean fromListener = sHi == ad.a6Hi() && sLo == ad.a6Lo() && dHi == ad.b6Hi() && dLo == ad.b6Lo();
            int owner = fromListener ? owners.listenerLane(6, sport) : -1;
            if (owner < 0 && ad.has6()) {
                owner = owners.flowLane(sHi, sLo, sport, dHi, dLo, dport);
            }
            if (owner >= 0 && owner != lane) {
                return handOff(owner);
            }
        }
        if (sHi == ad.a6Hi() && sLo == ad.a6Lo() && sport == ad.listenPort6() && dHi == ad.b6Hi() && dLo == ad.b6Lo()) {
            int slot = nat.slotOfPort(dport);
            if (slot < 0 || nat.index().family(slot) != 6) {
                return DropReason.TCP_NO_FLOW;
            }
            nat.touch(slot, now);
            FlowIndex ix = nat.index();
            nsHi = ix.dstHi(slot);
            nsLo = ix.dstLo(slot);
            newSport = ix.dstPort(slot);
            ndHi = ix.srcHi(slot);
            ndLo = ix.srcLo(slot);
            newDport = ix.srcPort(slot);
        } else {
            if (!ad.has6()) {
                return refuseIpv6 ? refuse(Ipv6Refusal.tcpReset(packet, out)) : DropReason.UNSUPPORTED;
            }
            int slot = forwardSlot(6, sHi, sLo, sport, dHi, dLo, dport, packet.tcpFlags());
            if (slot < 0) {
                return slot == -1 ? DropReason.TCP_NO_FLOW : DropReason.TCP_TABLE_FULL;
            }
            nsHi = ad.b6Hi();
            nsLo = ad.b6Lo();
            newSport = nat.port(slot);
            ndHi = ad.a6Hi();
            ndLo = ad.a6Lo();
            newDport = ad.listenPort6();
        }
        long addressDelta = Checksum.delta64(Checksum.delta64(0, sHi, nsHi), sLo, nsLo);
        addressDelta = Checksum.delta64(Checksum.delta64(addressDelta, dHi, ndHi), dLo, ndLo);
        long delta = Checksum.delta16(Checksum.delta16(addressDelta, sport, newSport), dport, newDport);
        b.putLong(8, nsHi);
        b.putLong(16, nsLo);
        b.putLong(24, ndHi);
        b.putLong(32, ndLo);
        b.putShort(l4, (short) newSport);
        b.putShort(l4 + 2, (short) newDport);
        updateTcpChecksum(b, l4, addressDelta, delta);
        return writeBack(in, inAddress, packet.length());
    }

    /**
     * With checksum offload the kernel leaves the TCP checksum to be finished later ({@code NEEDS_CSUM}): the
     * field then holds only the pseudo-header's sum, not complemented, so it takes the addresses' change and
     * not the ports' (whoever finishes the sum reads the new ports from the header). Either way the kernel
     * segments a GSO super-packet as it was read, since no header changes length.
     */
    private void updateTcpChecksum(ByteBuffer b, int l4, long addressDelta, long fullDelta) {
        int old = b.getShort(l4 + 16) & 0xFFFF;
        boolean partial = vnetHeader > 0 && VnetHeader.needsChecksum(inFrame);
        b.putShort(l4 + 16, (short) (partial
                ? Checksum.applyToPartial(old, addressDelta) : Checksum.apply(old, fullDelta)));
    }

    /**
     * The NAT slot of an application's segment: found, or made for a SYN. -1 when there is none and the
     * segment is no SYN, -2 when the table is full.
     */
    private int forwardSlot(int fam, long sHi, long sLo, int sport, long dHi, long dLo, int dport, int flags) {
        int slot = nat.find(fam, sHi, sLo, sport, dHi, dLo, dport);
        // SYN+FIN opens nothing: the kernel discards it, and its entry would only take a slot for 30 s.
        boolean syn = (flags & (IpPacket.SYN | IpPacket.ACK | IpPacket.RST | IpPacket.FIN)) == IpPacket.SYN;
        if (slot >= 0 && syn && nat.state(slot) == TcpNat.CLOSED) {
            // The application reuses its port for a new connection: start afresh on a new NAT port, away
            // from the old one's TIME_WAIT.
            nat.remove(slot);
            slot = -1;
        }
        if (slot < 0) {
            if (!syn) {
                return -1;
            }
            slot = nat.open(fam, sHi, sLo, sport, dHi, dLo, dport, now);
            if (slot < 0 && now - lastCrowdedSweep >= CROWDED_SWEEP_MILLIS) {
                lastCrowdedSweep = now;
                int freed = nat.expireEmbryonic(now, CROWDED_EMBRYONIC_MILLIS);
                if (now - lastCrowdedWarning >= 60_000) {
                    lastCrowdedWarning = now;
                    log.warn("TCP NAT table full ({} connections): freed {} never accepted and idle for {} ms (SYNs"
                            + " nobody completed); said at most once a minute", nat.capacity(), freed,
                            CROWDED_EMBRYONIC_MILLIS);
                }
                slot = nat.open(fam, sHi, sLo, sport, dHi, dLo, dport, now);
            }
            if (slot < 0) {
                return -2;
            }
            nat.dscp(slot, packet.dscp());
            if (kernelNat != null) {
                enterKernel(slot, new KernelNat.Tuple(fam, sHi, sLo, sport, dHi, dLo, dport));
            }
        }
        nat.touch(slot, now);
        return slot;
    }

    /**
     * Puts a new flow's rewriting in the kernel's table, both ways, before its SYN goes on: from then on its packets
     * other than SYNs go from the application to the listener and back without coming here.
     */
    private void enterKernel(int slot, KernelNat.Tuple application) {
        if (kernelNat.add(application, ad.toListener(application.family(), nat.port(slot)))) {
            inKernel[slot] = true;
            kernelFlows++;
        }
    }

    /** Takes a NAT entry's flow out of the kernel's table as the entry is freed. */
    private void leaveKernel(int slot) {
        if (!inKernel[slot]) {
            return;
        }
        inKernel[slot] = false;
        FlowIndex ix = nat.index();
        int fam = ix.family(slot);
        kernelNat.remove(new KernelNat.Tuple(fam, ix.srcHi(slot), ix.srcLo(slot), ix.srcPort(slot), ix.dstHi(slot),
                ix.dstLo(slot), ix.dstPort(slot)), ad.toListener(fam, nat.port(slot)));
    }

    /** Hands TCP flows to {@code k} from the next SYN on; set before the first packet. */
    void kernelNat(KernelNat k) {
        kernelNat = k;
    }

    /** Flows whose rewriting this lane gave to the kernel, since start. */
    long kernelFlows() {
        return kernelFlows;
    }

    /**
     * The listener accepted {@code child}: returns the flow's metadata from its NAT entry, or null when the
     * peer is not a NAT port we know (the caller then closes it). Runs on the engine's loop.
     */
    Metadata accepted(Channel child) {
        if (!(child.remoteAddress() instanceof InetSocketAddress remote)) {
            return null;
        }
        int slot = nat.slotOfPort(remote.getPort());
        if (slot < 0) {
            return null;
        }
        int fam = remote.getAddress() instanceof Inet4Address ? 4 : 6;
        if (nat.index().family(slot) != fam || nat.state(slot) != TcpNat.EMBRYONIC) {
            return null;
        }
        nat.accepted(slot);
        tcpAccepted++;
        int gen = nat.generation(slot);
        child.closeFuture().addListener(f -> {
            if (loop.inEventLoop()) {
                nat.closed(slot, gen, System.nanoTime() / 1_000_000);
            } else {
                try {
                    loop.execute(() -> nat.closed(slot, gen, System.nanoTime() / 1_000_000));
                } catch (RejectedExecutionException e) {
                    // The packet loop has stopped (shutdown): the NAT table goes with it.
                }
            }
        });
        return new Metadata(Network.TCP, Destination.ofAddress(nat.destinationAddress(slot), nat.destinationPort(slot)),
                nat.source(slot), inboundName, null, TUN_TYPE, TUN_NAME, 0, null, null, -1, nat.dscp(slot));
    }

    // ---------------------------------------------------------------- UDP

    private DropReason udp() {
        int fam = packet.version();
        if (!udpChecksumHolds(fam)) {
            return DropReason.MALFORMED; // refused or relayed, a damaged datagram gets no answer
        }
        long sHi = packet.srcHi();
        long sLo = packet.srcLo();
        long dHi = packet.dstHi();
        long dLo = packet.dstLo();
        int sport = packet.srcPort();
        int dport = packet.dstPort();
        // Before the refusal of IPv6: a TUN without an IPv6 address still answers DNS asked over it, or a machine
        // whose resolv.conf names IPv6 nameservers alone resolved nothing (mihomo's TUN has an IPv6 address).
        if (dnsHijack != null && hijackTargets.matches(fam, dHi, dLo, dport)
                && (fam == 4 ? ad.has4() : ad.has6() || refuseIpv6)) {
            if (hijackDns(fam, sHi, sLo, sport, dHi, dLo, dport)) {
                return null;
            }
        }
        if (fam == 6 && !ad.has6() && refuseIpv6) {
            return refuse(Ipv6Refusal.unreachable(packet, out));
        }
        if ((fam == 4 && !ad.has4()) || (fam == 6 && !ad.has6())) {
            return DropReason.UNSUPPORTED;
        }
        if (owners != null) {
            int owner = owners.datagramLane(sHi, sLo, sport);
            if (owner != lane) {
                return handOff(owner);
            }
        }
        // One entry per application socket: the destination is not part of the key (see the class comment).
        int slot = udpIndex.find(fam, sHi, sLo, sport, 0, 0, 0);
        UdpFlow flow;
        if (slot >= 0 && udpFlows[slot].failed && !udpFlows[slot].isFirst(dHi, dLo, dport)) {
            // A socket whose first destination was refused (a REJECT rule, a fake address from before a restart)
            // is routed again by a datagram elsewhere, as mihomo forgets a session whose dial failed; datagrams to
            // the refused destination alone go on being dropped.
            removeUdp(udpFlows[slot]);
            slot = -1;
        } else if (slot >= 0 && udpFlows[slot].session != null && !udpFlows[slot].session.isOpen()) {
            // Its session ended (the controller's "close", its outbound): this datagram opens the next one, as
            // mihomo's NAT table makes a new entry for it. Dropped, it was lost to the application.
            removeUdp(udpFlows[slot]);
            slot = -1;
        }
        if (slot < 0) {
            slot = udpIndex.insert(fam, sHi, sLo, sport, 0, 0, 0);
            if (slot < 0) {
                return DropReason.UDP_TABLE_FULL;
            }
            flow = new UdpFlow(slot, fam, sHi, sLo, sport, dHi, dLo, dport, limits.udpQueuePerFlow());
            flow.dscp = packet.dscp();
            udpFlows[slot] = flow;
            flow.lastSeen = now;
            DropReason r = flow.enqueue(flow.destination, payloadCopy());
            openUdp(flow);
            return r;
        }
        flow = udpFlows[slot];
        flow.lastSeen = now;
        if (flow.failed) {
            return DropReason.UDP_FLOW_FAILED;
        }
        Destination to = flow.destinationOf(dHi, dLo, dport);
        if (flow.session == null) {
            return flow.enqueue(to, payloadCopy());
        }
        flow.session.send(to, payloadCopy());
        return null;
    }

    /**
     * Whether the datagram's checksum holds, as the kernel would require of it (RFC 1122 4.1.3.4, RFC 8200 8.1): a
     * damaged one was relayed, a DNS query among them answered. One the kernel will finish itself ({@code NEEDS_CSUM},
     * from a socket of this machine behind checksum offload) is taken as it is; IPv4's 0 means none was computed.
     */
    private boolean udpChecksumHolds(int fam) {
        if (vnetHeader > 0 && VnetHeader.needsChecksum(inFrame)) {
            return true;
        }
        int l4 = packet.l4Offset();
        int length = packet.l4Length();
        if ((in.getShort(l4 + 6) & 0xFFFF) == 0) {
            return fam == 4;
        }
        long pseudo = fam == 4 ? Checksum.pseudo4(packet.src4(), packet.dst4(), IpPacket.UDP, length)
                : Checksum.pseudo6(in, 8, 24, IpPacket.UDP, length);
        return Checksum.fold(Checksum.sum(in, l4, length, pseudo)) == 0xFFFF;
    }

    private ByteBuf payloadCopy() {
        int off = packet.udpPayloadOffset();
        int len = packet.udpPayloadLength();
        ByteBuf copy = ByteBufAllocator.DEFAULT.directBuffer(len);
        in.limit(off + len).position(off);
        copy.writeBytes(in);
        in.clear();
        return copy;
    }

    private void openUdp(UdpFlow flow) {
        Metadata meta = new Metadata(Network.UDP, flow.destination, flow.source(), inboundName, null, TUN_TYPE,
                TUN_NAME, 0, null, null, -1, flow.dscp);
        Future<DatagramSession> opening;
        try {
            opening = tunnel.routeDatagram(meta, loop, flow);
        } catch (RuntimeException e) {
            flow.fail();
            return;
        }
        opening.addListener(f -> {
            if (!f.isSuccess()) {
                flow.fail();
                return;
            }
            DatagramSession session = (DatagramSession) f.getNow();
            if (flow.removed || closed) {
                session.close();
                return;
            }
            flow.session = session;
            Pending p;
            while ((p = flow.pending.poll()) != null) {
                session.send(p.to(), p.payload());
            }
        });
    }

    private void removeUdp(UdpFlow flow) {
        if (flow.removed) {
            return;
        }
        flow.removed = true;
        flow.releasePending();
        if (udpFlows[flow.slot] == flow) {
            udpFlows[flow.slot] = null;
            udpIndex.remove(flow.slot);
        }
        if (flow.session != null) {
            flow.session.close();
        }
    }

    private boolean hijackDns(int fam, long sHi, long sLo, int sport, long dHi, long dLo, int dport) {
        ByteBuf query = payloadCopy();
        Future<ByteBuf> answer;
        try {
            answer = dnsHijack.answer(query, loop);
        } catch (RuntimeException e) {
            if (query.refCnt() > 0) {
                query.release();
            }
            log.warn("dns-hijack hook failed: {}", e.toString());
            return true;
        }
        if (answer == null) {
            return false;
        }
        dnsHijacked++;
        answer.addListener(f -> {
            Runnable reply = () -> {
                if (f.isSuccess() && f.getNow() != null) {
                    ByteBuf response = (ByteBuf) f.getNow();
                    try {
                        if (!closed) {
                            writeUdp(fam, dHi, dLo, dport, sHi, sLo, sport, response);
                        }
                    } finally {
                        response.release();
                    }
                }
            };
            if (loop.inEventLoop()) {
                reply.run();
            } else {
                try {
                    loop.execute(reply);
                } catch (RejectedExecutionException e) {
                    if (f.isSuccess() && f.getNow() != null) {
                        ((ByteBuf) f.getNow()).release();
                    }
                }
            }
        });
        return true;
    }

    /**
     * Writes a UDP reply around {@code payload} (does not release it): at once, or, where the device takes offload
     * headers, at the end of the loop's turn with the replies that followed it from the same sender to the same
     * socket, as one packet the kernel cuts ({@link UdpReplies}).
     */
    private void writeUdp(int fam, long sHi, long sLo, int sport, long dHi, long dLo, int dport, ByteBuf payload) {
        int len = payload.readableBytes();
        if ((fam == 4 ? 20 : 40) + 8 + len > limits.mtu()) {
            flushReplies();
            writeFragments(fam, sHi, sLo, sport, dHi, dLo, dport, payload);
            return;
        }
        UdpReplies r = replies;
        if (r.joins(fam, sHi, sLo, sport, dHi, dLo, dport, len)) {
            r.append(payload);
            return;
        }
        flushReplies();
        r.start(fam, sHi, sLo, sport, dHi, dLo, dport, payload, ipId++);
        if (!r.gathering()) {
            flushReplies();
        } else if (!flushQueued) {
            flushQueued = true;
            try {
                loop.execute(flushTask);
            } catch (RejectedExecutionException e) {
                flushQueued = false;
                flushReplies();
            }
        }
    }

    /**
     * Writes a UDP reply larger than the TUN's MTU in fragments, as the kernel fragments a datagram for a link
     * with a smaller MTU (the application's kernel puts it back together). Rare: the TUN's MTU is large by
     * default, so the whole datagram is built in a buffer made at the first one.
     */
    private void writeFragments(int fam, long sHi, long sLo, int sport, long dHi, long dLo, int dport, ByteBuf payload) {
        int ipHeader = fam == 4 ? 20 : 40;
        int udpLength = 8 + payload.readableBytes();
        int piece = (limits.mtu() - ipHeader - (fam == 4 ? 0 : 8)) & ~7;
        if (udpLength > 0xFFFF || (fam == 4 && ipHeader + udpLength > 0xFFFF) || piece < 8) {
            drops[DropReason.TOO_BIG.ordinal()]++;
            return;
        }
        if (whole == null) {
            whole = ByteBuffer.allocateDirect(8 + 0xFFFF);
        }
        ByteBuffer w = whole;
        w.putShort(0, (short) sport).putShort(2, (short) dport).putShort(4, (short) udpLength).putShort(6, (short) 0);
        payload.getBytes(payload.readerIndex(), w.limit(udpLength).position(8));
        w.clear();
        ByteBuffer o = out;
        int id = ipId++;
        if (fam == 4) {
            o.putInt(8, 64 << 24 | IpPacket.UDP << 16).putInt(12, (int) sLo).putInt(16, (int) dLo);
        } else {
            o.putInt(0, 0x6000_0000).putLong(8, sHi).putLong(16, sLo).putLong(24, dHi).putLong(32, dLo);
        }
        long pseudo = fam == 4 ? Checksum.pseudo4((int) sLo, (int) dLo, IpPacket.UDP, udpLength)
                : Checksum.pseudo6(o, 8, 24, IpPacket.UDP, udpLength);
        int sum = Checksum.finish(Checksum.sum(w, 0, udpLength, pseudo));
        w.putShort(6, (short) (sum == 0 ? 0xFFFF : sum));
        for (int at = 0; at < udpLength; at += piece) {
            int n = Math.min(piece, udpLength - at);
            boolean more = at + n < udpLength;
            int data;
            if (fam == 4) {
                data = 20;
                o.putInt(0, 0x4500_0000 | (20 + n));
                o.putInt(4, (id & 0xFFFF) << 16 | (more ? 0x2000 : 0) | at / 8);
                o.putShort(10, (short) 0);
                o.putShort(10, (short) Checksum.finish(Checksum.sum(o, 0, 20, 0)));
            } else {
                data = 48;
                o.putInt(4, (8 + n) << 16 | 44 << 8 | 64);
                o.putInt(40, IpPacket.UDP << 24 | at | (more ? 1 : 0));
                o.putInt(44, id);
            }
            o.put(data, w, at, n);
            if (writeBack(o, outAddress, data + n) != null) {
                drops[DropReason.WRITE_FAILED.ordinal()]++;
                return;
            }
        }
    }

    /** Writes the replies gathered so far (see {@link #writeUdp}). */
    private void flushReplies() {
        UdpReplies r = replies;
        if (r.isEmpty()) {
            return;
        }
        int n = r.count();
        int length = r.finish();
        DropReason failed = writeBack(r.buffer(), r.address(), length);
        if (failed == null) {
            packetsOut += n - 1; // the kernel cut it into n
            ipId += n - 1;
            bytesOut += (long) (n - 1) * r.headerLength();
            r.clear();
            return;
        }
        if (n == 1) {
            drops[failed.ordinal()]++;
            r.clear();
            return;
        }
        // Linux before 6.2 takes no UDP segmentation from a TUN device (EINVAL): one packet per reply from now on.
        if (TOLD_NO_UDP_CUT.compareAndSet(false, true)) { // every lane finds it out; the log says it once
            log.info("tun: this kernel does not cut UDP packets written to the device (Linux 6.2 and later do); UDP"
                    + " replies are written one by one");
        }
        r.stopGathering();
        r.takeApart(this::writeUdp);
    }

    /** A datagram waiting for its socket's session to open. */
    private record Pending(Destination to, ByteBuf payload) {
    }

    /**
     * One application socket's UDP: its session through the tunnel (routed for its first destination), and what
     * to send once that is open.
     */
    private final class UdpFlow implements DatagramSession.Receiver {
        final int slot;
        final int family;
        final long sHi;
        final long sLo;
        final int sport;
        final long dHi;
        final long dLo;
        final int dport;
        /** The first datagram's destination, which the session was routed for. */
        final Destination destination;
        final ArrayDeque<Pending> pending = new ArrayDeque<>(2);
        final int queueLimit;
        DatagramSession session;
        /** The DSCP of the flow's first datagram. */
        int dscp;
        boolean failed;
        boolean removed;
        long lastSeen;
        /** The last destination other than the first, kept so that a stream of datagrams there allocates nothing. */
        long otherHi;
        long otherLo;
        int otherPort = -1;
        Destination other;
        /** The last reply's sender, as IP header fields. */
        InetSocketAddress replyFrom;
        long replyHi;
        long replyLo;

        UdpFlow(int slot, int family, long sHi, long sLo, int sport, long dHi, long dLo, int dport, int queueLimit) {
            this.slot = slot;
            this.family = family;
            this.sHi = sHi;
            this.sLo = sLo;
            this.sport = sport;
            this.dHi = dHi;
            this.dLo = dLo;
            this.dport = dport;
            this.queueLimit = queueLimit;
            this.destination = Destination.ofAddress(TcpNat.address(family, dHi, dLo), dport);
        }

        InetSocketAddress source() {
            return new InetSocketAddress(TcpNat.address(family, sHi, sLo), sport);
        }

        boolean isFirst(long hi, long lo, int port) {
            return port == dport && lo == dLo && hi == dHi;
        }

        Destination destinationOf(long hi, long lo, int port) {
            if (isFirst(hi, lo, port)) {
                return destination;
            }
            if (port != otherPort || lo != otherLo || hi != otherHi) {
                otherHi = hi;
                otherLo = lo;
                otherPort = port;
                other = Destination.ofAddress(TcpNat.address(family, hi, lo), port);
            }
            return other;
        }

        DropReason enqueue(Destination to, ByteBuf payload) {
            if (pending.size() >= queueLimit) {
                payload.release();
                return DropReason.UDP_QUEUE_FULL;
            }
            pending.add(new Pending(to, payload));
            return null;
        }

        void fail() {
            failed = true;
            releasePending();
        }

        void releasePending() {
            Pending p;
            while ((p = pending.poll()) != null) {
                p.payload().release();
            }
        }

        @Override
        public void receive(InetSocketAddress sender, ByteBuf payload) {
            try {
                if (!removed && !closed) {
                    lastSeen = System.nanoTime() / 1_000_000;
                    if (replyFrom(sender)) {
                        writeUdp(family, replyHi, replyLo, sender.getPort(), sHi, sLo, sport, payload);
                    } else {
                        // A sender that cannot be an IP source here (a name, the other family): the reply is the
                        // first destination's, as far as the application can tell.
                        writeUdp(family, dHi, dLo, dport, sHi, sLo, sport, payload);
                    }
                }
            } finally {
                payload.release();
            }
        }

        /** Whether {@code sender} can be the reply's source; its address is then in {@code replyHi/replyLo}. */
        private boolean replyFrom(InetSocketAddress sender) {
            if (sender == null || sender.isUnresolved()) {
                return false;
            }
            if (sender.equals(replyFrom)) {
                return true;
            }
            InetAddress a = sender.getAddress();
            if ((family == 4) != (a instanceof Inet4Address)) {
                return false;
            }
            byte[] raw = a.getAddress();
            ByteBuffer b = ByteBuffer.wrap(raw);
            replyHi = family == 4 ? 0 : b.getLong(0);
            replyLo = family == 4 ? b.getInt(0) & 0xFFFFFFFFL : b.getLong(8);
            replyFrom = sender;
            return true;
        }
    }

    // ---------------------------------------------------------------- ICMP

    private DropReason icmp() {
        ByteBuffer b = in;
        if (vnetHeader > 0) {
            VnetHeader.clear(inFrame); // the reply carries a full checksum
        }
        int l4 = packet.l4Offset();
        int type = b.get(l4) & 0xFF;
        int code = b.get(l4 + 1) & 0xFF;
        if (packet.version() == 4) {
            if (packet.protocol() != IpPacket.ICMP || type != 8 || code != 0 || !ad.has4()
                    || ((packet.dst4() ^ ad.a4()) & mask4) != 0 || isSubnetBroadcastOrNetwork(packet.dst4())
                    || Checksum.fold(Checksum.sum(b, l4, packet.length() - l4, 0)) != 0xFFFF) {
                // RFC 1122 3.2.2.6 and 3.2.1.3: a request with a bad checksum is discarded, and no reply comes from
                // the subnet's broadcast or network address (both were answered, the first with a bad checksum).
                return DropReason.ICMP;
            }
            int src = b.getInt(12);
            b.putInt(12, b.getInt(16));
            b.putInt(16, src);
            b.put(8, (byte) 64);
            b.putShort(10, (short) 0);
            int ihl = l4;
            b.putShort(10, (short) Checksum.finish(Checksum.sum(b, 0, ihl, 0)));
            b.put(l4, (byte) 0);
            b.putShort(l4 + 2, (short) Checksum.apply(b.getShort(l4 + 2) & 0xFFFF, Checksum.delta16(0, 8 << 8, 0)));
            return writeBack(in, inAddress, packet.length());
        }
        if (!ad.has6() && refuseIpv6 && packet.protocol() == IpPacket.ICMPV6 && type == 128) {
            // an echo request (ping -6) fails at once; other ICMPv6 (neighbour discovery, MLD) is only dropped
            return refuse(Ipv6Refusal.unreachable(packet, out));
        }
        long dHi = b.getLong(24);
        long dLo = b.getLong(32);
        if (packet.protocol() != IpPacket.ICMPV6 || type != 128 || code != 0 || !ad.has6()
                || ((dHi ^ ad.a6Hi()) & mask6Hi) != 0 || ((dLo ^ ad.a6Lo()) & mask6Lo) != 0
                || Checksum.fold(Checksum.sum(b, l4, packet.length() - l4, Checksum.pseudo6(b, 8, 24,
                        IpPacket.ICMPV6, packet.length() - l4))) != 0xFFFF) {
            return DropReason.ICMP;
        }
        // Swapping source and destination leaves the pseudo-header's sum as it was.
        long sHi = b.getLong(8);
        long sLo = b.getLong(16);
        b.putLong(8, dHi);
        b.putLong(16, dLo);
        b.putLong(24, sHi);
        b.putLong(32, sLo);
        b.put(7, (byte) 64);
        b.put(l4, (byte) 129);
        b.putShort(l4 + 2, (short) Checksum.apply(b.getShort(l4 + 2) & 0xFFFF, Checksum.delta16(0, 128 << 8, 129 << 8)));
        return writeBack(in, inAddress, packet.length());
    }

    /** Whether {@code dst} is the TUN subnet's broadcast or network address (a /31 or /32 has neither). */
    private boolean isSubnetBroadcastOrNetwork(int dst) {
        int host = dst & ~mask4;
        return ~mask4 > 1 && (host == 0 || host == ~mask4);
    }

    // ---------------------------------------------------------------- output, time, stats

    /**
     * Refuse IPv6 at once while the TUN has no IPv6 address (see {@link Ipv6Refusal}); set before the first
     * packet. Off, such packets are dropped and counted as unsupported.
     */
    void refuseIpv6(boolean on) {
        refuseIpv6 = on;
    }

    /** Writes the refusal of {@code length} bytes built in the output buffer (none when 0); counts the packet. */
    private DropReason refuse(int length) {
        if (length > 0) {
            DropReason r = writeBack(out, outAddress, length);
            if (r != null) {
                return r;
            }
        }
        return DropReason.IPV6_REFUSED;
    }

    /**
     * Hands the packet being processed to the lane that owns its flow; it is counted there, not here. Only
     * with several lanes, and rare (see {@link FlowOwners}): it copies the packet.
     */
    private DropReason handOff(int owner) {
        if (!owners.forward(owner, inFrame, frameLength)) {
            return DropReason.HANDOFF_FULL;
        }
        packetsIn--;
        bytesIn -= frameLength - vnetHeader;
        handedOff++;
        return null;
    }

    /** Processes a frame another lane handed over ({@link #handOff}) as if read here; releases it. */
    void processForwarded(ByteBuf frame) {
        try {
            int length = Math.min(frame.readableBytes(), inFrame.capacity());
            frame.getBytes(frame.readerIndex(), inFrame.limit(length).position(0));
            inFrame.clear();
            setNow(System.nanoTime() / 1_000_000);
            process(length);
        } finally {
            frame.release();
        }
    }

    /** Packets this lane read but handed to the lane owning their flow. */
    long handedOff() {
        return handedOff;
    }

    private DropReason writeBack(ByteBuffer buffer, long address, int length) {
        try {
            if (!sink.write(buffer, address, length)) {
                return DropReason.WRITE_FAILED;
            }
        } catch (IOException e) {
            return DropReason.WRITE_FAILED;
        }
        packetsOut++;
        writesOut++;
        bytesOut += length;
        return null;
    }

    /** Frees idle UDP sessions and expired NAT entries. Runs on the loop every second or so. */
    void expire(long nowMillis) {
        nat.expire(nowMillis);
        long limit = limits.udpIdleMillis();
        for (UdpFlow f : udpFlows) {
            if (f != null && nowMillis - f.lastSeen > limit) {
                removeUdp(f);
            }
        }
    }

    /** Closes every UDP session and drops their queues. */
    void close() {
        flushReplies();
        closed = true;
        for (UdpFlow f : udpFlows) {
            if (f != null) {
                removeUdp(f);
            }
        }
    }

    TunStats stats() {
        Map<DropReason, Long> d = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            d.put(r, drops[r.ordinal()]);
        }
        d.merge(DropReason.FRAGMENT, reassembly.fragmentsDropped(), Long::sum);
        return new TunStats(packetsIn, bytesIn, packetsOut, bytesOut, writesOut, tcpAccepted, nat.size(),
                udpIndex.size(), dnsHijacked, d);
    }
}
