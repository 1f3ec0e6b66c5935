package dev.turnout.host.platform.linux;

import dev.turnout.host.platform.FlowSteering;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link FlowSteering}'s rule as an eBPF program for {@code TUNSETSTEERINGEBPF}: the kernel runs it on every packet
 * it sends into the TUN and uses its result as the queue, so each packet reaches the lane that owns it without a
 * hand-off. It returns 0 where the rule says {@link FlowSteering#ANY}.
 *
 * <p>A socket-filter program: the packet is read with the classic {@code LD_ABS}/{@code LD_IND} loads (offsets
 * from the IP header, which is where a TUN packet starts; big-endian fields come back as numbers; a read past the
 * end ends the program with 0), so no bounds checks are written out. Registers: r6 the context (the loads need it
 * there), r7 the hash, r8 a scratch or the IPv4 header length, r9 the protocol, then both ports; the loads
 * overwrite r0-r5.
 */
final class SteeringProgram {

    // Instruction classes, sizes, modes and operations, from linux/bpf.h and bpf_common.h.
    private static final int LD = 0x00;
    private static final int ALU64 = 0x07;
    private static final int JMP = 0x05;
    private static final int JMP32 = 0x06;
    private static final int W = 0x00;
    private static final int H = 0x08;
    private static final int B = 0x10;
    private static final int DW = 0x18;
    private static final int ABS = 0x20;
    private static final int IND = 0x40;
    private static final int K = 0x00;
    private static final int X = 0x08;
    private static final int ADD = 0x00;
    private static final int MUL = 0x20;
    private static final int OR = 0x40;
    private static final int AND = 0x50;
    private static final int LSH = 0x60;
    private static final int RSH = 0x70;
    private static final int XOR = 0xA0;
    private static final int MOV = 0xB0;
    private static final int JA = 0x00;
    private static final int JEQ = 0x10;
    private static final int JNE = 0x50;
    private static final int EXIT = 0x90;

    private static final int R0 = 0;
    private static final int R1 = 1;
    private static final int R6 = 6;
    private static final int R7 = 7;
    private static final int R8 = 8;
    private static final int R9 = 9;

    private static final String RETURN_ANY = "any";
    private static final String FINISH = "finish";

    private final List<long[]> code = new ArrayList<>();
    /** Per instruction: the label it jumps to, or null. */
    private final List<String> jumps = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    private SteeringProgram() {
    }

    /** The program for {@code steering}, one long per instruction slot (little-endian layout, as the kernel reads it). */
    static long[] of(FlowSteering steering) {
        SteeringProgram p = new SteeringProgram();
        p.emit(steering);
        p.emitReturns(steering.lanes());
        return p.assemble();
    }

    private void emit(FlowSteering s) {
        alu(MOV | X, R6, R1, 0);
        load(B, 0);
        alu(MOV | X, R8, R0, 0);
        alu(RSH | K, R8, 0, 4);
        jump(JMP, JEQ | K, R8, 4, "v4");
        jump(JMP, JEQ | K, R8, 6, "v6");
        jump(JMP, JA, 0, 0, RETURN_ANY);

        label("v4");
        if (s.has4()) {
            tcpOrUdp(9);
            load(H, 6);
            alu(AND | K, R0, 0, 0x1FFF);
            jump(JMP, JNE | K, R0, 0, RETURN_ANY);
            load(B, 0);
            alu(AND | K, R0, 0, 0x0F);
            alu(LSH | K, R0, 0, 2);
            alu(MOV | X, R8, R0, 0);
            listenerCheck(4, s.listenPorts4(), new int[] {12, 16}, new int[] {s.a4(), s.b4()}, true);
            ports(true);
            // h = sHi * M1 + sLo with sHi = 0
            load(W, 12);
            alu(MOV | X, R7, R0, 0);
            mix(29, FlowSteering.M2);
            mix(31, FlowSteering.M3);
            load(W, 16);
            alu(ADD | X, R7, R0, 0);
            mix(29, FlowSteering.M1);
            alu(ADD | X, R7, R9, 0);
            jump(JMP, JA, 0, 0, FINISH);
        } else {
            jump(JMP, JA, 0, 0, RETURN_ANY);
        }

        label("v6");
        if (s.has6()) {
            tcpOrUdp(6);
            int[] words = new int[8];
            int[] want = new int[8];
            for (int i = 0; i < 8; i++) {
                words[i] = 8 + 4 * i;
                long half = i < 2 ? s.a6Hi() : i < 4 ? s.a6Lo() : i < 6 ? s.b6Hi() : s.b6Lo();
                want[i] = (int) (i % 2 == 0 ? half >>> 32 : half);
            }
            listenerCheck(6, s.listenPorts6(), words, want, false);
            ports(false);
            long64(R7, 8);
            alu(MUL | X, R7, loadConstant(R8, FlowSteering.M1), 0);
            long64(R8, 16);
            alu(ADD | X, R7, R8, 0);
            mix(29, FlowSteering.M2);
            long64(R8, 24);
            alu(ADD | X, R7, R8, 0);
            mix(31, FlowSteering.M3);
            long64(R8, 32);
            alu(ADD | X, R7, R8, 0);
            mix(29, FlowSteering.M1);
            alu(ADD | X, R7, R9, 0);
        } else {
            jump(JMP, JA, 0, 0, RETURN_ANY);
        }

        if (!s.has4() && !s.has6()) {
            return; // both families jump to RETURN_ANY, emitted below
        }
        label(FINISH);
        alu(MOV | X, R8, R7, 0);
        alu(RSH | K, R8, 0, 32);
        alu(XOR | X, R7, R8, 0);
        alu(MUL | X, R7, loadConstant(R8, FlowSteering.M2), 0);
        alu(MOV | X, R8, R7, 0);
        alu(RSH | K, R8, 0, 29);
        alu(XOR | X, R7, R8, 0);
        alu(RSH | K, R7, 0, 32);
        alu(MUL | K, R7, 0, s.lanes());
        alu(RSH | K, R7, 0, 32);
        alu(MOV | X, R0, R7, 0);
        exit();
    }

    /** The returns jumped to: 0 for no lane in particular, and each listener's lane (only those used: the verifier refuses code no path reaches). */
    private void emitReturns(int lanes) {
        label(RETURN_ANY);
        alu(MOV | K, R0, 0, 0);
        exit();
        for (int i = 0; i < lanes; i++) {
            if (jumps.contains("lane" + i)) {
                label("lane" + i);
                alu(MOV | K, R0, 0, i);
                exit();
            }
        }
    }

    /** r9 = the protocol byte at {@code offset}; anything but TCP or UDP returns 0. */
    private void tcpOrUdp(int offset) {
        load(B, offset);
        alu(MOV | X, R9, R0, 0);
        jump(JMP, JEQ | K, R9, 6, "tcp-or-udp" + offset);
        jump(JMP, JNE | K, R9, 17, RETURN_ANY);
        label("tcp-or-udp" + offset);
    }

    /**
     * A TCP packet whose address words at {@code offsets} are {@code want} (A to B) and whose source port is a
     * lane's listener port returns that lane; anything else goes on to the hash.
     */
    private void listenerCheck(int family, int[] listenPorts, int[] offsets, int[] want, boolean v4) {
        String hash = "hash" + family;
        boolean any = false;
        for (int p : listenPorts) {
            any |= p != 0;
        }
        if (any) {
            jump(JMP, JNE | K, R9, 6, hash);
            for (int i = 0; i < offsets.length; i++) {
                load(W, offsets[i]);
                jump(JMP32, JNE | K, R0, want[i], hash);
            }
            sourcePort(v4);
            for (int lane = 0; lane < listenPorts.length; lane++) {
                if (listenPorts[lane] != 0) {
                    jump(JMP32, JEQ | K, R0, listenPorts[lane], "lane" + lane);
                }
            }
        }
        label(hash);
    }

    /** r0 = the source port: after the IPv4 header (its length in r8), or at 40 in IPv6. */
    private void sourcePort(boolean v4) {
        if (v4) {
            loadIndirect(H, R8, 0);
        } else {
            load(H, 40);
        }
    }

    /** r9 = source port << 16 | destination port. */
    private void ports(boolean v4) {
        sourcePort(v4);
        alu(MOV | X, R9, R0, 0);
        alu(LSH | K, R9, 0, 16);
        if (v4) {
            loadIndirect(H, R8, 2);
        } else {
            load(H, 42);
        }
        alu(OR | X, R9, R0, 0);
    }

    /** h = (h ^ (h >>> shift)) * multiplier; r8 is overwritten. */
    private void mix(int shift, long multiplier) {
        alu(MOV | X, R8, R7, 0);
        alu(RSH | K, R8, 0, shift);
        alu(XOR | X, R7, R8, 0);
        alu(MUL | X, R7, loadConstant(R8, multiplier), 0);
    }

    /** {@code reg} = the big-endian 64 bits at {@code offset} (two word loads). */
    private void long64(int reg, int offset) {
        load(W, offset);
        alu(MOV | X, reg, R0, 0);
        alu(LSH | K, reg, 0, 32);
        load(W, offset + 4);
        alu(OR | X, reg, R0, 0);
    }

    /** {@code reg} = {@code value} (the two-slot 64-bit immediate load); returns {@code reg}. */
    private int loadConstant(int reg, long value) {
        add(LD | DW, reg, 0, 0, (int) value, null);
        add(0, 0, 0, 0, (int) (value >>> 32), null);
        return reg;
    }

    private void load(int size, int offset) {
        add(LD | ABS | size, 0, 0, 0, offset, null);
    }

    private void loadIndirect(int size, int index, int offset) {
        add(LD | IND | size, 0, index, 0, offset, null);
    }

    /** An ALU64 operation: {@code op} with K takes {@code imm}, with X takes {@code src}. */
    private void alu(int op, int dst, int src, int imm) {
        add(ALU64 | op, dst, src, 0, imm, null);
    }

    private void jump(int cls, int op, int dst, int imm, String target) {
        add(cls | op, dst, 0, 0, imm, target);
    }

    private void exit() {
        add(JMP | EXIT, 0, 0, 0, 0, null);
    }

    private void label(String name) {
        if (labels.putIfAbsent(name, code.size()) != null) {
            throw new IllegalStateException("label " + name + " twice");
        }
    }

    private void add(int opcode, int dst, int src, int off, int imm, String target) {
        code.add(new long[] {opcode, dst, src, off, imm});
        jumps.add(target);
    }

    private long[] assemble() {
        long[] out = new long[code.size()];
        for (int i = 0; i < out.length; i++) {
            long[] c = code.get(i);
            long off = c[3];
            String target = jumps.get(i);
            if (target != null) {
                Integer at = labels.get(target);
                if (at == null) {
                    throw new IllegalStateException("no label " + target);
                }
                off = at - (i + 1);
            }
            out[i] = (c[0] & 0xFF) | (c[1] & 0xF) << 8 | (c[2] & 0xF) << 12 | (off & 0xFFFF) << 16
                    | (c[4] & 0xFFFFFFFFL) << 32;
        }
        return out;
    }
}
