package dev.turnout.host.platform.linux;

import static dev.turnout.host.platform.linux.BpfCode.ADD;
import static dev.turnout.host.platform.linux.BpfCode.AND;
import static dev.turnout.host.platform.linux.BpfCode.B;
import static dev.turnout.host.platform.linux.BpfCode.H;
import static dev.turnout.host.platform.linux.BpfCode.JA;
import static dev.turnout.host.platform.linux.BpfCode.JEQ;
import static dev.turnout.host.platform.linux.BpfCode.JMP;
import static dev.turnout.host.platform.linux.BpfCode.JMP32;
import static dev.turnout.host.platform.linux.BpfCode.JNE;
import static dev.turnout.host.platform.linux.BpfCode.K;
import static dev.turnout.host.platform.linux.BpfCode.LSH;
import static dev.turnout.host.platform.linux.BpfCode.MOV;
import static dev.turnout.host.platform.linux.BpfCode.MUL;
import static dev.turnout.host.platform.linux.BpfCode.OR;
import static dev.turnout.host.platform.linux.BpfCode.R0;
import static dev.turnout.host.platform.linux.BpfCode.R1;
import static dev.turnout.host.platform.linux.BpfCode.R6;
import static dev.turnout.host.platform.linux.BpfCode.R7;
import static dev.turnout.host.platform.linux.BpfCode.R8;
import static dev.turnout.host.platform.linux.BpfCode.R9;
import static dev.turnout.host.platform.linux.BpfCode.RSH;
import static dev.turnout.host.platform.linux.BpfCode.W;
import static dev.turnout.host.platform.linux.BpfCode.X;
import static dev.turnout.host.platform.linux.BpfCode.XOR;

import dev.turnout.host.platform.FlowSteering;

/**
 * {@link FlowSteering}'s rule as an eBPF program for {@code TUNSETSTEERINGEBPF}: the kernel runs it on every packet
 * it sends into the TUN and uses its result as the queue, so each packet reaches the lane that owns it without a
 * hand-off. It returns 0 where the rule says {@link FlowSteering#ANY}.
 *
 * <p>A socket-filter program: the packet is read with the classic {@code LD_ABS}/{@code LD_IND} loads (offsets
 * from the IP header, which is where a TUN packet starts; big-endian fields come back as numbers; a read past the
 * end ends the program with 0), so no bounds checks are written out. Registers: r6 the context (the loads need it
 * there), r7 the hash, r8 a scratch or the IPv4 header length, r9 the protocol, then both ports (the source
 * port alone for UDP, whose protocol byte is read again where the hash leaves the destination out); the loads
 * overwrite r0-r5.
 */
final class SteeringProgram {

    private static final String RETURN_ANY = "any";
    private static final String FINISH = "finish";

    private final BpfCode c = new BpfCode();

    private SteeringProgram() {
    }

    /** The program for {@code steering}, one long per instruction slot (little-endian layout, as the kernel reads it). */
    static long[] of(FlowSteering steering) {
        SteeringProgram p = new SteeringProgram();
        p.emit(steering);
        p.emitReturns(steering.lanes());
        return p.c.assemble();
    }

    private void emit(FlowSteering s) {
        c.alu(MOV | X, R6, R1, 0);
        c.load(B, 0);
        c.alu(MOV | X, R8, R0, 0);
        c.alu(RSH | K, R8, 0, 4);
        c.jump(JMP, JEQ | K, R8, 4, "v4");
        c.jump(JMP, JEQ | K, R8, 6, "v6");
        c.jump(JMP, JA, 0, 0, RETURN_ANY);

        c.label("v4");
        if (s.has4()) {
            tcpOrUdp(9);
            c.load(H, 6);
            c.alu(AND | K, R0, 0, 0x1FFF);
            c.jump(JMP, JNE | K, R0, 0, RETURN_ANY);
            c.load(B, 0);
            c.alu(AND | K, R0, 0, 0x0F);
            c.alu(LSH | K, R0, 0, 2);
            c.alu(MOV | X, R8, R0, 0);
            listenerCheck(4, s.listenPorts4(), new int[] {12, 16}, new int[] {s.a4(), s.b4()}, true);
            ports(true);
            datagramsKeepTheSourcePort(9, "ports4");
            // h = sHi * M1 + sLo with sHi = 0
            c.load(W, 12);
            c.alu(MOV | X, R7, R0, 0);
            mix(29, FlowSteering.M2);
            mix(31, FlowSteering.M3);
            unlessDatagram(9, "dst4", () -> {
                c.load(W, 16);
                c.alu(ADD | X, R7, R0, 0);
            });
            mix(29, FlowSteering.M1);
            c.alu(ADD | X, R7, R9, 0);
            c.jump(JMP, JA, 0, 0, FINISH);
        } else {
            c.jump(JMP, JA, 0, 0, RETURN_ANY);
        }

        c.label("v6");
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
            datagramsKeepTheSourcePort(6, "ports6");
            long64(R7, 8);
            c.alu(MUL | X, R7, c.loadConstant(R8, FlowSteering.M1), 0);
            long64(R8, 16);
            c.alu(ADD | X, R7, R8, 0);
            mix(29, FlowSteering.M2);
            unlessDatagram(6, "dstHi6", () -> {
                long64(R8, 24);
                c.alu(ADD | X, R7, R8, 0);
            });
            mix(31, FlowSteering.M3);
            unlessDatagram(6, "dstLo6", () -> {
                long64(R8, 32);
                c.alu(ADD | X, R7, R8, 0);
            });
            mix(29, FlowSteering.M1);
            c.alu(ADD | X, R7, R9, 0);
        } else {
            c.jump(JMP, JA, 0, 0, RETURN_ANY);
        }

        if (!s.has4() && !s.has6()) {
            return; // both families jump to RETURN_ANY, emitted below
        }
        c.label(FINISH);
        c.alu(MOV | X, R8, R7, 0);
        c.alu(RSH | K, R8, 0, 32);
        c.alu(XOR | X, R7, R8, 0);
        c.alu(MUL | X, R7, c.loadConstant(R8, FlowSteering.M2), 0);
        c.alu(MOV | X, R8, R7, 0);
        c.alu(RSH | K, R8, 0, 29);
        c.alu(XOR | X, R7, R8, 0);
        c.alu(RSH | K, R7, 0, 32);
        c.alu(MUL | K, R7, 0, s.lanes());
        c.alu(RSH | K, R7, 0, 32);
        c.alu(MOV | X, R0, R7, 0);
        c.exit();
    }

    /** The returns jumped to: 0 for no lane in particular, and each listener's lane (only those used: the verifier refuses code no path reaches). */
    private void emitReturns(int lanes) {
        c.label(RETURN_ANY);
        c.alu(MOV | K, R0, 0, 0);
        c.exit();
        for (int i = 0; i < lanes; i++) {
            if (c.jumpsTo("lane" + i)) {
                c.label("lane" + i);
                c.alu(MOV | K, R0, 0, i);
                c.exit();
            }
        }
    }

    /** r9 = the protocol byte at {@code offset}; anything but TCP or UDP returns 0. */
    private void tcpOrUdp(int offset) {
        c.load(B, offset);
        c.alu(MOV | X, R9, R0, 0);
        c.jump(JMP, JEQ | K, R9, 6, "tcp-or-udp" + offset);
        c.jump(JMP, JNE | K, R9, 17, RETURN_ANY);
        c.label("tcp-or-udp" + offset);
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
            c.jump(JMP, JNE | K, R9, 6, hash);
            for (int i = 0; i < offsets.length; i++) {
                c.load(W, offsets[i]);
                c.jump(JMP32, JNE | K, R0, want[i], hash);
            }
            sourcePort(v4);
            for (int lane = 0; lane < listenPorts.length; lane++) {
                if (listenPorts[lane] != 0) {
                    c.jump(JMP32, JEQ | K, R0, listenPorts[lane], "lane" + lane);
                }
            }
        }
        c.label(hash);
    }

    /** r0 = the source port: after the IPv4 header (its length in r8), or at 40 in IPv6. */
    private void sourcePort(boolean v4) {
        if (v4) {
            c.loadIndirect(H, R8, 0);
        } else {
            c.load(H, 40);
        }
    }

    /** r9 = source port << 16 | destination port. */
    private void ports(boolean v4) {
        sourcePort(v4);
        c.alu(MOV | X, R9, R0, 0);
        c.alu(LSH | K, R9, 0, 16);
        if (v4) {
            c.loadIndirect(H, R8, 2);
        } else {
            c.load(H, 42);
        }
        c.alu(OR | X, R9, R0, 0);
    }

    /**
     * For UDP (the protocol byte at {@code protocolOffset}), r9 keeps the source port alone:
     * {@link FlowSteering#datagramLane} hashes no destination.
     */
    private void datagramsKeepTheSourcePort(int protocolOffset, String label) {
        c.load(B, protocolOffset);
        c.jump(JMP, JNE | K, R0, 17, label);
        c.alu(RSH | K, R9, 0, 16);
        c.alu(LSH | K, R9, 0, 16);
        c.label(label);
    }

    /** {@code code}, skipped for UDP (the destination's part of the hash, which a datagram's lane leaves out). */
    private void unlessDatagram(int protocolOffset, String label, Runnable code) {
        c.load(B, protocolOffset);
        c.jump(JMP, JEQ | K, R0, 17, label);
        code.run();
        c.label(label);
    }

    /** h = (h ^ (h >>> shift)) * multiplier; r8 is overwritten. */
    private void mix(int shift, long multiplier) {
        c.alu(MOV | X, R8, R7, 0);
        c.alu(RSH | K, R8, 0, shift);
        c.alu(XOR | X, R7, R8, 0);
        c.alu(MUL | X, R7, c.loadConstant(R8, multiplier), 0);
    }

    /** {@code reg} = the big-endian 64 bits at {@code offset} (two word loads). */
    private void long64(int reg, int offset) {
        c.load(W, offset);
        c.alu(MOV | X, reg, R0, 0);
        c.alu(LSH | K, reg, 0, 32);
        c.load(W, offset + 4);
        c.alu(OR | X, reg, R0, 0);
    }
}
