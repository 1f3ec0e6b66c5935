package dev.turnout.host.platform.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An eBPF program being written: instructions appended one by one, jumps to named labels resolved at the end.
 * Encodes {@code struct bpf_insn} (linux/bpf.h) as one long per slot, little-endian, as the kernel reads it.
 * The opcode constants are the kernel's names without their {@code BPF_} prefix.
 */
final class BpfCode {

    // Instruction classes, sizes, modes and operations, from linux/bpf.h and bpf_common.h.
    static final int LD = 0x00;
    static final int LDX = 0x01;
    static final int STX = 0x03;
    static final int ALU64 = 0x07;
    static final int JMP = 0x05;
    static final int JMP32 = 0x06;
    static final int W = 0x00;
    static final int H = 0x08;
    static final int B = 0x10;
    static final int DW = 0x18;
    static final int ABS = 0x20;
    static final int IND = 0x40;
    static final int MEM = 0x60;
    static final int K = 0x00;
    static final int X = 0x08;
    static final int ADD = 0x00;
    static final int MUL = 0x20;
    static final int OR = 0x40;
    static final int AND = 0x50;
    static final int LSH = 0x60;
    static final int RSH = 0x70;
    static final int XOR = 0xA0;
    static final int MOV = 0xB0;
    static final int JA = 0x00;
    static final int JEQ = 0x10;
    static final int JGT = 0x20;
    static final int JNE = 0x50;
    static final int CALL = 0x80;
    static final int EXIT = 0x90;

    static final int R0 = 0;
    static final int R1 = 1;
    static final int R2 = 2;
    static final int R3 = 3;
    static final int R4 = 4;
    static final int R5 = 5;
    static final int R6 = 6;
    static final int R7 = 7;
    static final int R8 = 8;
    static final int R9 = 9;
    /** The read-only frame pointer: the stack is the 512 bytes below it. */
    static final int R10 = 10;

    /** {@code BPF_PSEUDO_MAP_FD}: a 64-bit immediate load whose value is a map's descriptor. */
    private static final int PSEUDO_MAP_FD = 1;

    private final List<long[]> code = new ArrayList<>();
    /** Per instruction: the label it jumps to, or null. */
    private final List<String> jumps = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    /** An ALU64 operation: {@code op} with K takes {@code imm}, with X takes {@code src}. */
    void alu(int op, int dst, int src, int imm) {
        add(ALU64 | op, dst, src, 0, imm, null);
    }

    /** A jump to {@code target} comparing {@code dst} with {@code imm} (op | K) or register {@code imm} (op | X). */
    void jump(int cls, int op, int dst, int imm, String target) {
        if ((op & X) != 0) {
            add(cls | op, dst, imm, 0, 0, target);
        } else {
            add(cls | op, dst, 0, 0, imm, target);
        }
    }

    /** r0 = the packet's big-endian field of {@code size} at {@code offset} (classic loads; r6 must hold the context). */
    void load(int size, int offset) {
        add(LD | ABS | size, 0, 0, 0, offset, null);
    }

    /** As {@link #load}, at {@code offset} plus register {@code index}. */
    void loadIndirect(int size, int index, int offset) {
        add(LD | IND | size, 0, index, 0, offset, null);
    }

    /** {@code dst} = the {@code size} bytes at {@code src + offset}, as they lie in memory. */
    void loadMemory(int size, int dst, int src, int offset) {
        add(LDX | MEM | size, dst, src, offset, 0, null);
    }

    /** The {@code size} bytes at {@code dst + offset} = register {@code src}. */
    void storeMemory(int size, int dst, int offset, int src) {
        add(STX | MEM | size, dst, src, offset, 0, null);
    }

    /** {@code reg} = {@code value} (the two-slot 64-bit immediate load); returns {@code reg}. */
    int loadConstant(int reg, long value) {
        add(LD | DW, reg, 0, 0, (int) value, null);
        add(0, 0, 0, 0, (int) (value >>> 32), null);
        return reg;
    }

    /** {@code reg} = the map whose descriptor is {@code fd} (the loader replaces the descriptor with the map). */
    void loadMap(int reg, int fd) {
        add(LD | DW, reg, PSEUDO_MAP_FD, 0, fd, null);
        add(0, 0, 0, 0, 0, null);
    }

    /** Calls kernel helper {@code helper} (arguments in r1-r5, result in r0; r1-r5 are lost). */
    void call(int helper) {
        add(JMP | CALL, 0, 0, 0, helper, null);
    }

    void exit() {
        add(JMP | EXIT, 0, 0, 0, 0, null);
    }

    void label(String name) {
        if (labels.putIfAbsent(name, code.size()) != null) {
            throw new IllegalStateException("label " + name + " twice");
        }
    }

    /** Whether some instruction jumps to {@code name}. */
    boolean jumpsTo(String name) {
        return jumps.contains(name);
    }

    private void add(int opcode, int dst, int src, int off, int imm, String target) {
        code.add(new long[] {opcode, dst, src, off, imm});
        jumps.add(target);
    }

    /** The instructions, one long per slot; jumps to a label nobody defined fail here. */
    long[] assemble() {
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
