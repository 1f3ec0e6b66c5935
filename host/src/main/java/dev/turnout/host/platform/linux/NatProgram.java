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

/**
 * The system stack's TCP address rewriting, done by the kernel for flows the engine has set up: a traffic-control
 * program on the TUN's way out ({@code tcx} egress) that looks each IPv4 TCP packet up in a hash map by its
 * addresses and ports and, when found, rewrites them as the map says, fixes the checksums and sends the packet
 * straight back in through the same device ({@code bpf_redirect} with {@code BPF_F_INGRESS}), as if the engine
 * had read it and written it back. Everything else, and every SYN that opens a flow, goes on to the TUN's queues
 * as before, so the engine still sees each new flow first and writes its map entries before passing the SYN on.
 *
 * <p>Keys and values are 12 bytes as they lie in the packet (network order): source address, destination address,
 * source port, destination port. Only plain headers are looked up (IPv4 without options, not a fragment, the TCP
 * header in the packet's linear part); the rest goes to the engine, which handles every case.
 *
 * <p>Registers: r6 the context, r7 the map's value; the key is on the stack at r10 - 16. Checksums change through
 * the kernel's helpers, which also handle a segment whose checksum the kernel has not finished yet
 * ({@code CHECKSUM_PARTIAL}, a TSO burst from a local socket): only the pseudo-header's part changes then.
 */
final class NatProgram {

    /** Bytes of a key, and of a value. */
    static final int ENTRY_SIZE = 12;

    // Helper numbers (enum bpf_func_id), flags and return codes, from linux/bpf.h and pkt_cls.h.
    private static final int MAP_LOOKUP_ELEM = 1;
    private static final int SKB_STORE_BYTES = 9;
    private static final int L3_CSUM_REPLACE = 10;
    private static final int L4_CSUM_REPLACE = 11;
    private static final int REDIRECT = 23;
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
    private static final int IP_HEADER = 20;
    private static final int TCP_CHECKSUM = IP_HEADER + 16;
    private static final int KEY = -16;

    private static final String PASS = "pass";
    private static final String DROP = "drop";

    private final BpfCode c = new BpfCode();
    /** Bytes before the IP header: none on a TUN; 14 (Ethernet) where a test has the kernel run the program. */
    private final int l2;

    private NatProgram(int l2) {
        this.l2 = l2;
    }

    /** The program for map {@code mapFd} (keys and values of {@link #ENTRY_SIZE} bytes). */
    static long[] of(int mapFd) {
        return of(mapFd, 0);
    }

    /** As {@link #of(int)}, for packets behind {@code l2} bytes of link header (tests: 14, Ethernet). */
    static long[] of(int mapFd, int l2) {
        NatProgram p = new NatProgram(l2);
        p.emit(mapFd);
        return p.c.assemble();
    }

    private void emit(int mapFd) {
        c.alu(MOV | X, R6, R1, 0);
        c.loadMemory(W, R0, R6, SKB_PROTOCOL);
        c.jump(JMP, JNE | K, R0, ETH_P_IP_RAW, PASS);
        c.loadMemory(W, R2, R6, SKB_DATA);
        c.loadMemory(W, R3, R6, SKB_DATA_END);
        c.alu(MOV | X, R4, R2, 0);
        c.alu(ADD | K, R4, 0, l2 + IP_HEADER + 20);
        c.jump(JMP, JGT | X, R4, R3, PASS);
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
        c.loadMap(R1, mapFd);
        c.alu(MOV | X, R2, R10, 0);
        c.alu(ADD | K, R2, 0, KEY);
        c.call(MAP_LOOKUP_ELEM);
        c.jump(JMP, JEQ | K, R0, 0, PASS);
        c.alu(MOV | X, R7, R0, 0);
        // checksums first (the helpers read the old values from the key), then the new fields
        replace(L3_CSUM_REPLACE, 10, W, KEY, 0, 4);
        replace(L3_CSUM_REPLACE, 10, W, KEY + 4, 4, 4);
        replace(L4_CSUM_REPLACE, TCP_CHECKSUM, W, KEY, 0, F_PSEUDO_HDR | 4);
        replace(L4_CSUM_REPLACE, TCP_CHECKSUM, W, KEY + 4, 4, F_PSEUDO_HDR | 4);
        replace(L4_CSUM_REPLACE, TCP_CHECKSUM, H, KEY + 8, 8, 2);
        replace(L4_CSUM_REPLACE, TCP_CHECKSUM, H, KEY + 10, 10, 2);
        store(12, 0, 8);
        store(IP_HEADER, 8, 4);
        c.loadMemory(W, R1, R6, SKB_IFINDEX);
        c.alu(MOV | K, R2, 0, F_INGRESS);
        c.call(REDIRECT);
        c.exit();

        c.label(PASS);
        c.alu(MOV | K, R0, 0, TC_ACT_OK);
        c.exit();
        // A packet half rewritten (a helper failed: no memory to make it writable) must not go anywhere.
        c.label(DROP);
        c.alu(MOV | K, R0, 0, TC_ACT_SHOT);
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

    /** A key or value: the four fields as they lie in a packet, from addresses and ports as numbers. */
    static void entry(com.sun.jna.Memory m, long offset, int src, int dst, int sport, int dport) {
        m.setInt(offset, Integer.reverseBytes(src));
        m.setInt(offset + 4, Integer.reverseBytes(dst));
        m.setShort(offset + 8, Short.reverseBytes((short) sport));
        m.setShort(offset + 10, Short.reverseBytes((short) dport));
    }
}
