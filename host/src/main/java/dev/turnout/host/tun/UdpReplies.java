package dev.turnout.host.tun;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;

/**
 * Builds the UDP packets the engine writes to the TUN: one reply at a time, or, behind an offload header, the
 * replies of one sender to one application socket gathered over a turn of the loop as one packet that the kernel
 * cuts into datagrams (UDP segmentation offload: virtio's {@code GSO_UDP_L4}, taken from a TUN device since Linux
 * 6.2). A download of a thousand datagrams a second then costs a write per turn rather than one per datagram.
 *
 * <p>Every datagram of a batch but the last has the size of the first (the kernel cuts at that size); a shorter one
 * ends the batch. Behind an offload header the UDP checksum is left to the kernel (the field holds the
 * pseudo-header's sum): a packet delivered on this machine is taken as the kernel takes its own, one routed on gets
 * its sum where it leaves.
 */
final class UdpReplies {

    /** virtio_net_hdr's gso_type for UDP segmentation. */
    static final int GSO_UDP_L4 = 5;
    /** At most this many datagrams in one packet (the kernel takes up to 128 when it cuts one). */
    static final int MAX_SEGMENTS = 64;
    private static final int MAX_PACKET = 65535;

    private final int vnetHeader;
    private final ByteBuffer frame;
    private final ByteBuffer packet;
    private final long packetAddress;
    /** Whether datagrams may be gathered: behind an offload header, until the kernel refuses a gathered packet. */
    private boolean gather;

    private int family;
    private long sHi;
    private long sLo;
    private int sport;
    private long dHi;
    private long dLo;
    private int dport;
    private int ipHeader;
    private int ipId;
    /** Payload bytes of each datagram but the last. */
    private int segment;
    private int count;
    private int bytes;
    private boolean ended;

    UdpReplies(int vnetHeader) {
        this.vnetHeader = vnetHeader;
        this.frame = ByteBuffer.allocateDirect(vnetHeader + MAX_PACKET + 1);
        this.packet = frame.slice(vnetHeader, MAX_PACKET + 1);
        this.packetAddress = Pointer.nativeValue(Native.getDirectBufferPointer(packet));
        this.gather = vnetHeader > 0;
    }

    /** Whether replies are being gathered (they are then written at the end of the loop's turn). */
    boolean gathering() {
        return gather;
    }

    /** From now on each reply is a packet of its own: the kernel refused a gathered one. */
    void stopGathering() {
        gather = false;
    }

    boolean isEmpty() {
        return count == 0;
    }

    int count() {
        return count;
    }

    /** Whether a reply of {@code length} payload bytes with these addresses may join the packet being built. */
    boolean joins(int family, long sHi, long sLo, int sport, long dHi, long dLo, int dport, int length) {
        return gather && count > 0 && !ended && count < MAX_SEGMENTS && length > 0 && length <= segment
                && ipHeader + 8 + bytes + length <= MAX_PACKET
                && family == this.family && sport == this.sport && dport == this.dport
                && sLo == this.sLo && dLo == this.dLo && sHi == this.sHi && dHi == this.dHi;
    }

    /** Starts a packet with its first reply (must be empty); {@code ipId} is its IPv4 identification. */
    void start(int family, long sHi, long sLo, int sport, long dHi, long dLo, int dport, ByteBuf payload, int ipId) {
        this.family = family;
        this.sHi = sHi;
        this.sLo = sLo;
        this.sport = sport;
        this.dHi = dHi;
        this.dLo = dLo;
        this.dport = dport;
        this.ipId = ipId;
        this.ipHeader = family == 4 ? 20 : 40;
        this.segment = payload.readableBytes();
        this.count = 0;
        this.bytes = 0;
        this.ended = false;
        append(payload);
    }

    /** Adds a reply that {@link #joins}. */
    void append(ByteBuf payload) {
        int length = payload.readableBytes();
        ByteBuffer p = packet;
        p.limit(ipHeader + 8 + bytes + length).position(ipHeader + 8 + bytes);
        payload.getBytes(payload.readerIndex(), p);
        p.clear();
        bytes += length;
        count++;
        ended = length < segment;
    }

    /**
     * Writes the headers of the packet built so far and returns its length; the packet is at {@link #address()},
     * behind its offload header when the device takes one.
     */
    int finish() {
        ByteBuffer o = packet;
        int udpLength = 8 + bytes;
        int total = ipHeader + udpLength;
        if (family == 4) {
            o.putInt(0, 0x4500_0000 | total);
            o.putInt(4, (ipId & 0xFFFF) << 16);
            o.putInt(8, 64 << 24 | IpPacket.UDP << 16);
            o.putInt(12, (int) sLo);
            o.putInt(16, (int) dLo);
            o.putShort(10, (short) Checksum.finish(Checksum.sum(o, 0, 20, 0)));
        } else {
            o.putInt(0, 0x6000_0000);
            o.putInt(4, udpLength << 16 | IpPacket.UDP << 8 | 64);
            o.putLong(8, sHi);
            o.putLong(16, sLo);
            o.putLong(24, dHi);
            o.putLong(32, dLo);
        }
        o.putShort(ipHeader, (short) sport);
        o.putShort(ipHeader + 2, (short) dport);
        o.putShort(ipHeader + 4, (short) udpLength);
        long pseudo = family == 4
                ? Checksum.pseudo4((int) sLo, (int) dLo, IpPacket.UDP, udpLength)
                : Checksum.pseudo6(o, 8, 24, IpPacket.UDP, udpLength);
        if (vnetHeader == 0) {
            o.putShort(ipHeader + 6, (short) 0);
            int sum = Checksum.finish(Checksum.sum(o, ipHeader, udpLength, pseudo));
            o.putShort(ipHeader + 6, (short) (sum == 0 ? 0xFFFF : sum));
            return total;
        }
        // The kernel finishes the sum, and when it cuts the packet, puts each datagram's own length in its share.
        o.putShort(ipHeader + 6, (short) Checksum.fold(pseudo));
        VnetHeader.partialChecksum(frame, ipHeader, 6);
        if (count > 1) {
            VnetHeader.segments(frame, GSO_UDP_L4, ipHeader + 8, segment);
        }
        return total;
    }

    /** Where the packet {@link #finish} built starts (its offload header is just before it). */
    long address() {
        return packetAddress;
    }

    ByteBuffer buffer() {
        return packet;
    }

    /** The IP and UDP headers' length of the packet being built: what each datagram the kernel cuts repeats. */
    int headerLength() {
        return ipHeader + 8;
    }

    /** How {@link #takeApart} hands on each reply: the engine's {@code writeUdp}. */
    @FunctionalInterface
    interface ReplyWriter {
        void write(int family, long sHi, long sLo, int sport, long dHi, long dLo, int dport, ByteBuf payload);
    }

    /**
     * Empties it and hands its replies to {@code writer} one by one, in order, each payload copied out first (for
     * when the kernel refused them together). The addresses are this packet's fields: the writer's {@link #start}
     * sets them again to the same values.
     */
    void takeApart(ReplyWriter writer) {
        byte[][] payloads = new byte[count][];
        for (int i = 0, at = ipHeader + 8; i < count; i++) {
            int length = i < count - 1 ? segment : bytes - segment * (count - 1);
            payloads[i] = new byte[length];
            packet.get(at, payloads[i]);
            at += length;
        }
        clear();
        for (byte[] p : payloads) {
            writer.write(family, sHi, sLo, sport, dHi, dLo, dport, Unpooled.wrappedBuffer(p));
        }
    }

    /** Empties it for the next packet; its offload header says "plain" again. */
    void clear() {
        count = 0;
        bytes = 0;
        if (vnetHeader > 0) {
            VnetHeader.clear(frame);
        }
    }
}
