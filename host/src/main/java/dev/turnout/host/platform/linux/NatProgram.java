package dev.turnout.host.platform.linux;

import static dev.turnout.host.platform.linux.BpfCode.ADD;
import static dev.turnout.host.platform.linux.BpfCode.AND;
import static dev.turnout.host.platform.linux.BpfCode.B;
import static dev.turnout.host.platform.linux.BpfCode.H;
import static dev.turnout.host.platform.linux.BpfCode.JEQ;
import static dev.turnout.host.platform.linux.BpfCode.JGT;
import static dev.turnout.host.platform.linux.BpfCode.JMP;
import static dev.turnout.host.platform.linux.BpfCode.JNE;
import static dev.turnout.host.platform.linux.BpfCode.K;
import static dev.turnout.host.platform.linux.BpfCode.MOV;
import static dev.turnout.host.platform.linux.BpfCode.R0;
import static dev.turnout.host.platform.linux.BpfCode.R1;
import static dev.turnout.host.platform.linux.BpfCode.R10;
import static dev.turnout.host.platform.linux.BpfCode.R2;
import static dev.turnout.host.platform.linux.BpfCode.R3;
import static dev.turnout.host.platform.linux.BpfCode.R4;
import static dev.turnout.host.platform.linux.BpfCode.R5;
import static dev.turnout.host.platform.linux.BpfCode.R6;
import static dev.turnout.host.platform.linux.BpfCode.R7;
import static dev.turnout.host.platform.linux.BpfCode.W;
import static dev.turnout.host.platform.linux.BpfCode.X;

import dev.turnout.host.platform.KernelNat;
import java.nio.ByteBuffer;

/**
 * The system stack's TCP address rewriting, done by the kernel for flows the engine has set up: a traffic-control
 * program on the TUN's way out ({@code tcx} egress) that looks each TCP packet up in a hash map by its
 * addresses and ports and, when found, rewrites them as the map says, fixes the checksums and sends the packet
 * straight back in through the same device ({@code bpf_redirect} with {@code BPF_F_INGRESS}), as if the engine
 * had read it and written it back. Everything else, and every SYN that opens a flow, goes on to the TUN's queues
 * as before, so the engine still sees each new flow first and writes its map entries before passing the SYN on.
 *
 * <p>Keys and values are the fields as they lie in the packet (network order): source address, destination
 * address, source port, destination port; 12 bytes in the IPv4 map, 36 in the IPv6 one. Only plain headers are
 * looked up (IPv4 without options, not a fragment; IPv6 with TCP as its first next header, or after the jumbo
 * Hop-by-Hop header of a burst over 64 KiB; the TCP header in the packet's linear part); the rest goes to the
 * engine, which handles every case.
 *
 * <p>Registers: r6 the context, r7 the map's value; the key is on the stack at r10 - 16 (IPv4) or r10 - 48
 * (IPv6). Checksums change through
 * the kernel's helpers, which also handle a segment whose checksum the kernel has not finished yet
 * ({@code CHECKSUM_PARTIAL}, a TSO burst from a local socket): only the pseudo-header's part changes then.
 */
final class NatProgram {

    /** Bytes of a key, and of a value, in the IPv4 map. */
    static final int ENTRY_SIZE = 12;
    /** Bytes of a key, and of a value, in the IPv6 map. */
    static final int ENTRY_SIZE6 = 36;

    // Helper numbers (enum bpf_func_id), flags and return codes, from linux/bpf.h and pkt_cls.h.
    private static final int MAP_LOOKUP_ELEM = 1;
    private static final int SKB_STORE_BYTES = 9;
    private static final int L3_CSUM_REPLACE = 10;
    private static final int L4_CSUM_REPLACE = 11;
    private static final int REDIRECT = 23;
    private static final int CSUM_DIFF = 28;
    private static final int F_PSEUDO_HDR = 0x10;
    private static final int F_INGRESS = 1;
    private static final int TC_ACT_OK = 0;
    private static final int TC_ACT_SHOT = 2;

    // struct __sk_buff offsets.
    private static final int SKB_PROTOCOL = 16;
    private static final int SKB_IFINDEX = 40;
    private static final int SKB_DATA = 76;
    private static final int SKB_DATA_END = 80;

    /** ETH_P_IP as __sk_buff.protocol holds it (big-endian in a 32-bit field), read as a little-endian number. */
    private static final int ETH_P_IP_RAW = 0x0008;
    private static final int ETH_P_IPV6_RAW = 0xDD86;
    private static final int IP_HEADER = 20;
    private static final int TCP_CHECKSUM = IP_HEADER + 16;
    private static final int KEY = -16;
    private static final int IP6_HEADER = 40;
    /** The Hop-by-Hop header with only the jumbo payload option (RFC 2675), as Linux puts it before TCP. */
    private static final int JUMBO_HEADER = 8;
    private static final int KEY6 = -48;

    private static final String V6 = "v6";
    private static final String V6_JUMBO = "v6jumbo";
    private static final String PASS = "pass";
    private static final String DROP = "drop";

    private final BpfCode c = new BpfCode();
    /** Bytes before the IP header: none on a TUN; 14 (Ethernet) where a test runs the program. */
    private final int l2;

    private NatProgram(int l2) {
        this.l2 = l2;
    }

    /**
     * The program for maps {@code mapFd} (IPv4: keys and values of {@link #ENTRY_SIZE} bytes) and {@code map6Fd}
     * (IPv6: {@link #ENTRY_SIZE6} bytes).
     */
    static long[] of(int mapFd, int map6Fd) {
        return of(mapFd, map6Fd, 0);
    }

    /** As {@link #of(int, int)}, for packets behind {@code l2} bytes of link header (tests: 14, Ethernet). */
    static long[] of(int mapFd, int map6Fd, int l2) {
        NatProgram p = new NatProgram(l2);
        p.emit(mapFd, map6Fd);
        return p.c.assemble();
    }

    private void emit(int mapFd, int map6Fd) {
        c.alu(MOV | X, R6, R1, 0);
        c.loadMemory(W, R0, R6, SKB_PROTOCOL);
        c.jump(JMP, JEQ | K, R0, ETH_P_IPV6_RAW, V6);
        c.jump(JMP, JNE | K, R0, ETH_P_IP_RAW, PASS);
        loadPacket();
        requireBytes(IP_HEADER + 20);
        // version 4 with a 20-byte header, not a fragment, TCP
        c.loadMemory(B, R0, R2, l2 + 0);
        c.jump(JMP, JNE | K, R0, 0x45, PASS);
        c.loadMemory(H, R0, R2, l2 + 6);
        c.alu(AND | K, R0, 0, 0xFF3F); // MF and the offset, as the two bytes read little-endian
        c.jump(JMP, JNE | K, R0, 0, PASS);
        c.loadMemory(B, R0, R2, l2 + 9);
        c.jump(JMP, JNE | K, R0, 6, PASS);
        // a SYN without ACK opens a flow: the engine's
        c.loadMemory(B, R0, R2, l2 + IP_HEADER + 13);
        c.alu(AND | K, R0, 0, 0x12);
        c.jump(JMP, JEQ | K, R0, 0x02, PASS);
        // the key: addresses and ports as they lie in the packet
        c.loadMemory(W, R0, R2, l2 + 12);
        c.storeMemory(W, R10, KEY, R0);
        c.loadMemory(W, R0, R2, l2 + 16);
        c.storeMemory(W, R10, KEY + 4, R0);
        c.loadMemory(W, R0, R2, l2 + IP_HEADER);
        c.storeMemory(W, R10, KEY + 8, R0);
        lookup(mapFd, KEY);
        // checksums first (the helpers read the old values from the key), then the new fields
        replace(L3_CSUM_REPLACE, 10, W, KEY, 0, 4);
        replace(L3_CSUM_REPLACE, 10, W, KEY + 4, 4, 4);
        replace(L4_CSUM_REPLACE, TCP_CHECKSUM, W, KEY, 0, F_PSEUDO_HDR | 4);
        replace(L4_CSUM_REPLACE, TCP_CHECKSUM, W, KEY + 4, 4, F_PSEUDO_HDR | 4);
        replace(L4_CSUM_REPLACE, TCP_CHECKSUM, H, KEY + 8, 8, 2);
        replace(L4_CSUM_REPLACE, TCP_CHECKSUM, H, KEY + 10, 10, 2);
        store(12, 0, 8);
        store(IP_HEADER, 8, 4);
        redirectIn();

        c.label(V6);
        loadPacket();
        requireBytes(IP6_HEADER + 20);
        c.loadMemory(B, R0, R2, l2 + 0);
        c.alu(AND | K, R0, 0, 0xF0);
        c.jump(JMP, JNE | K, R0, 0x60, PASS);
        c.loadMemory(B, R0, R2, l2 + 6);
        c.jump(JMP, JEQ | K, R0, 0, V6_JUMBO);
        c.jump(JMP, JNE | K, R0, 6, PASS);
        tcp6(IP6_HEADER, map6Fd);

        // A TCP burst of more than 65,535 bytes (GSO on a device whose MTU is 65535) carries the kernel's 8-byte
        // Hop-by-Hop header with the jumbo payload option before TCP: the downloads' data, so worth the branch.
        c.label(V6_JUMBO);
        requireBytes(IP6_HEADER + JUMBO_HEADER + 20);
        c.loadMemory(H, R0, R2, l2 + IP6_HEADER);
        c.jump(JMP, JNE | K, R0, 0x0006, PASS); // next header TCP, header length 0 (8 bytes), as read little-endian
        tcp6(IP6_HEADER + JUMBO_HEADER, map6Fd);

        c.label(PASS);
        c.alu(MOV | K, R0, 0, TC_ACT_OK);
        c.exit();
        // A packet half rewritten (a helper failed: no memory to make it writable) must not go anywhere.
        c.label(DROP);
        c.alu(MOV | K, R0, 0, TC_ACT_SHOT);
        c.exit();
    }

    /**
     * The IPv6 path from the TCP header at {@code tcp} on (r2 the packet, bounds checked past the TCP header): leaves
     * opening SYNs alone, looks the flow up, rewrites addresses and ports, fixes TCP's checksum and sends it back in.
     */
    private void tcp6(int tcp, int map6Fd) {
        c.loadMemory(B, R0, R2, l2 + tcp + 13);
        c.alu(AND | K, R0, 0, 0x12);
        c.jump(JMP, JEQ | K, R0, 0x02, PASS);
        for (int i = 0; i < 8; i++) {
            c.loadMemory(W, R0, R2, l2 + 8 + 4 * i);
            c.storeMemory(W, R10, KEY6 + 4 * i, R0);
        }
        c.loadMemory(W, R0, R2, l2 + tcp);
        c.storeMemory(W, R10, KEY6 + 32, R0);
        lookup(map6Fd, KEY6);
        // IPv6 has no header checksum; the addresses' change to TCP's (a pseudo-header part) as one difference
        c.alu(MOV | X, R1, R10, 0);
        c.alu(ADD | K, R1, 0, KEY6);
        c.alu(MOV | K, R2, 0, 32);
        c.alu(MOV | X, R3, R7, 0);
        c.alu(MOV | K, R4, 0, 32);
        c.alu(MOV | K, R5, 0, 0);
        c.call(CSUM_DIFF);
        c.alu(MOV | X, R4, R0, 0);
        c.alu(MOV | X, R1, R6, 0);
        c.alu(MOV | K, R2, 0, l2 + tcp + 16);
        c.alu(MOV | K, R3, 0, 0);
        c.alu(MOV | K, R5, 0, F_PSEUDO_HDR);
        c.call(L4_CSUM_REPLACE);
        c.jump(JMP, JNE | K, R0, 0, DROP);
        replace(L4_CSUM_REPLACE, tcp + 16, W, KEY6 + 32, 32, 4);
        store(8, 0, 32);
        store(tcp, 32, 4);
        redirectIn();
    }

    /** r2 = the packet's first byte, r3 = the end of its linear part. */
    private void loadPacket() {
        c.loadMemory(W, R2, R6, SKB_DATA);
        c.loadMemory(W, R3, R6, SKB_DATA_END);
    }

    /** The packet goes on unless its linear part holds {@code bytes} past the link header (r2, r3 loaded). */
    private void requireBytes(int bytes) {
        c.alu(MOV | X, R4, R2, 0);
        c.alu(ADD | K, R4, 0, l2 + bytes);
        c.jump(JMP, JGT | X, R4, R3, PASS);
    }

    /** r7 = the value for the key at r10 + {@code key} in map {@code mapFd}; not found: the packet goes on. */
    private void lookup(int mapFd, int key) {
        c.loadMap(R1, mapFd);
        c.alu(MOV | X, R2, R10, 0);
        c.alu(ADD | K, R2, 0, key);
        c.call(MAP_LOOKUP_ELEM);
        c.jump(JMP, JEQ | K, R0, 0, PASS);
        c.alu(MOV | X, R7, R0, 0);
    }

    /** Sends the packet back in through the device it was leaving by. */
    private void redirectIn() {
        c.loadMemory(W, R1, R6, SKB_IFINDEX);
        c.alu(MOV | K, R2, 0, F_INGRESS);
        c.call(REDIRECT);
        c.exit();
    }

    /** Calls checksum helper {@code helper} on the field at {@code at}: old value from the key, new from the value. */
    private void replace(int helper, int at, int size, int keyOffset, int valueOffset, int flags) {
        c.alu(MOV | X, R1, R6, 0);
        c.alu(MOV | K, R2, 0, l2 + at);
        c.loadMemory(size, R3, R10, keyOffset);
        c.loadMemory(size, R4, R7, valueOffset);
        c.alu(MOV | K, R5, 0, flags);
        c.call(helper);
        c.jump(JMP, JNE | K, R0, 0, DROP);
    }

    /** Writes {@code length} bytes of the value, from {@code valueOffset}, into the packet at {@code at}. */
    private void store(int at, int valueOffset, int length) {
        c.alu(MOV | X, R1, R6, 0);
        c.alu(MOV | K, R2, 0, l2 + at);
        c.alu(MOV | X, R3, R7, 0);
        c.alu(ADD | K, R3, 0, valueOffset);
        c.alu(MOV | K, R4, 0, length);
        c.alu(MOV | K, R5, 0, 0);
        c.call(SKB_STORE_BYTES);
        c.jump(JMP, JNE | K, R0, 0, DROP);
    }

    /**
     * Writes a key or value at {@code offset} of {@code b}, whose order is big-endian: the tuple's fields as they lie
     * in a packet (addresses, then ports, in network order); returns its length, {@link #ENTRY_SIZE} or
     * {@link #ENTRY_SIZE6} by the tuple's IP version.
     */
    static int entry(ByteBuffer b, int offset, KernelNat.Tuple t) {
        if (t.family() == 4) {
            b.putInt(offset, (int) t.srcLo());
            b.putInt(offset + 4, (int) t.dstLo());
            b.putShort(offset + 8, (short) t.srcPort());
            b.putShort(offset + 10, (short) t.dstPort());
            return ENTRY_SIZE;
        }
        b.putLong(offset, t.srcHi());
        b.putLong(offset + 8, t.srcLo());
        b.putLong(offset + 16, t.dstHi());
        b.putLong(offset + 24, t.dstLo());
        b.putShort(offset + 32, (short) t.srcPort());
        b.putShort(offset + 34, (short) t.dstPort());
        return ENTRY_SIZE6;
    }
}
