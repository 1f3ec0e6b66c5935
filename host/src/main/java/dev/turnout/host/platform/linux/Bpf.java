package dev.turnout.host.platform.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/**
 * The {@code bpf(2)} calls the TUN needs: load a program (a socket filter to steer, a traffic-control program to
 * rewrite), make a hash map and change its entries, attach a program to a device, and run one on a packet (tests).
 * glibc has no wrapper, so this goes through {@code syscall(2)}; the layouts are {@code union bpf_attr}'s, from
 * linux/bpf.h. The map calls come once per new TCP flow and once per closed one (the kernel's NAT table), the rest
 * at start.
 */
final class Bpf {

    static final int BPF_PROG_TYPE_SOCKET_FILTER = 1;
    static final int BPF_PROG_TYPE_SCHED_CLS = 3;
    static final int BPF_MAP_TYPE_HASH = 1;
    /** Entries are allocated as they are added, so an empty map of many entries costs nothing. */
    static final int BPF_F_NO_PREALLOC = 1;
    /** {@code enum bpf_attach_type}: a traffic-control program on a device's way out (Linux 6.6+). */
    static final int BPF_TCX_EGRESS = 47;
    private static final int BPF_MAP_CREATE = 0;
    private static final int BPF_MAP_UPDATE_BATCH = 26;
    private static final int BPF_MAP_DELETE_BATCH = 27;
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_TEST_RUN = 10;
    private static final int BPF_LINK_CREATE = 28;
    /** Bytes of {@code union bpf_attr} passed: past every field used here, all zero beyond them. */
    private static final int ATTR_SIZE = 128;
    private static final int LOG_SIZE = 1 << 16;
    /**
     * How often a load is tried while the kernel answers EAGAIN, as libbpf does (its PROG_LOAD_ATTEMPTS): the
     * verifier gives up with EAGAIN when a signal reaches the thread, and a JVM's threads take signals from a
     * profiler or from JFR's sampler. Under async-profiler's cpu event (every 250 us) the load failed so in each
     * start tried, and the TUN ran without steering.
     */
    static final int LOAD_ATTEMPTS = 5;
    static final int EAGAIN = 11;

    /**
     * The calling thread's {@code union bpf_attr} for the map calls, which come from the TUN's lane threads: a fresh
     * block per call was freed only after a garbage collection, which showed as RSS while many flows were held.
     * Bytes past the batch fields are never written, so they stay zero as the kernel requires.
     */
    private static final ThreadLocal<NativeBuffer> BATCH_ATTR =
            ThreadLocal.withInitial(() -> NativeBuffer.allocate(ATTR_SIZE, ByteOrder.nativeOrder()));

    private Bpf() {
    }

    /** The {@code bpf} system call's number on this machine, or -1 where it is not known here. */
    static long syscallNumber() {
        return SYSCALL;
    }

    /** Read once: the map calls run for every flow. */
    private static final long SYSCALL = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 321;
        case "aarch64" -> 280;
        default -> -1;
    };

    /**
     * Loads {@code insns} (eBPF instructions, one long each, as {@link SteeringProgram} encodes them) as a program
     * of {@code type}; returns its descriptor, which the caller closes.
     *
     * @throws IOException naming errno and, when the verifier refused it, the verifier's last words
     */
    static int load(int type, long[] insns, String license) throws IOException {
        return load(type, insns, license, "turnout_steer");
    }

    /** As {@link #load(int, long[], String)}, naming the program {@code name} (at most 15 bytes, for bpftool). */
    static int load(int type, long[] insns, String license, String name) throws IOException {
        long nr = syscallNumber();
        if (nr < 0) {
            throw new IOException("bpf(2) is not known on " + System.getProperty("os.arch"));
        }
        Memory code = new Memory(8L * insns.length);
        for (int i = 0; i < insns.length; i++) {
            code.setLong(8L * i, insns[i]);
        }
        byte[] lic = (license + "\0").getBytes(StandardCharsets.US_ASCII);
        Memory licence = new Memory(lic.length);
        licence.write(0, lic, 0, lic.length);
        Memory log = new Memory(LOG_SIZE);
        log.setByte(0, (byte) 0);
        Memory attr = newAttr();
        attr.setInt(0, type);
        attr.setInt(4, insns.length);
        attr.setLong(8, Pointer.nativeValue(code));
        attr.setLong(16, Pointer.nativeValue(licence));
        attr.setInt(24, 1);
        attr.setInt(28, LOG_SIZE);
        attr.setLong(32, Pointer.nativeValue(log));
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        attr.write(48, nameBytes, 0, Math.min(nameBytes.length, 15));
        try {
            return triedWhileInterrupted(() -> call(nr, BPF_PROG_LOAD, attr));
        } catch (LastErrorException e) {
            String words = log.getString(0, StandardCharsets.US_ASCII.name()).strip();
            int cut = words.length() > 400 ? words.length() - 400 : 0;
            throw new IOException("bpf(BPF_PROG_LOAD) failed (errno " + e.getErrorCode() + ")"
                    + (words.isEmpty() ? "" : ", verifier: " + words.substring(cut).replace('\n', ' ')), e);
        } finally {
            // The kernel reads through the addresses in attr: the memory behind them must outlive the call.
            Reference.reachabilityFence(code);
            Reference.reachabilityFence(licence);
            Reference.reachabilityFence(log);
        }
    }

    /** Creates a map ({@code union bpf_attr}'s map fields); returns its descriptor, which the caller closes. */
    static int createMap(int type, int keySize, int valueSize, int maxEntries, int flags) throws IOException {
        Memory attr = newAttr();
        attr.setInt(0, type);
        attr.setInt(4, keySize);
        attr.setInt(8, valueSize);
        attr.setInt(12, maxEntries);
        attr.setInt(16, flags);
        return callOrFail("BPF_MAP_CREATE", BPF_MAP_CREATE, attr);
    }

    /**
     * Sets {@code count} entries of map {@code fd} in one call: their keys lie one after another from address
     * {@code keys}, their values likewise from {@code values}. Returns how many were set, in order: all of them, or
     * fewer when the kernel refused one (the map full); those before it stay set.
     */
    static int updateBatch(int fd, long keys, long values, int count) {
        return batch(BPF_MAP_UPDATE_BATCH, fd, keys, values, count);
    }

    /**
     * Removes the {@code count} entries of map {@code fd} whose keys lie one after another from address {@code keys};
     * returns how many were removed, in order (it stops at a key that is not there).
     */
    static int deleteBatch(int fd, long keys, int count) {
        return batch(BPF_MAP_DELETE_BATCH, fd, keys, 0, count);
    }

    /**
     * One {@code BPF_MAP_*_BATCH} command (Linux 5.6+) through the calling thread's kept attribute block: the kernel
     * writes back into {@code count} how many elements it handled when it fails part way.
     */
    private static int batch(int cmd, int fd, long keys, long values, int count) {
        NativeBuffer attr = BATCH_ATTR.get();
        ByteBuffer b = attr.buffer();
        b.putLong(0, 0); // in_batch, out_batch: unused by updates and deletes
        b.putLong(8, 0);
        b.putLong(16, keys);
        b.putLong(24, values);
        b.putInt(32, count);
        b.putInt(36, fd);
        b.putLong(40, 0); // elem_flags: BPF_ANY
        b.putLong(48, 0);
        try {
            call(SYSCALL, cmd, attr.address());
            return count;
        } catch (LastErrorException e) {
            // As many as the kernel got through before the one it refused; a call refused as a whole (a bad
            // descriptor, say) leaves count as it was written.
            int done = b.getInt(32);
            return done < count ? done : 0;
        }
    }

    /**
     * Attaches program {@code program} to the device with index {@code ifindex} as {@code attachType} (a tcx
     * hook); returns the link's descriptor: the program stays attached while it is open, and no longer.
     */
    static int attach(int program, int ifindex, int attachType) throws IOException {
        Memory attr = newAttr();
        attr.setInt(0, program);
        attr.setInt(4, ifindex);
        attr.setInt(8, attachType);
        return callOrFail("BPF_LINK_CREATE", BPF_LINK_CREATE, attr);
    }

    /**
     * Runs program {@code fd} once on {@code frame} (for a socket filter: an Ethernet header, then the packet the
     * program sees) and returns what the program returned.
     */
    static int testRun(int fd, byte[] frame) throws IOException {
        return testRun(fd, frame, null);
    }

    /** As {@link #testRun(int, byte[])}; the frame as the program left it is copied into {@code out} when given. */
    static int testRun(int fd, byte[] frame, byte[] out) throws IOException {
        Memory data = new Memory(frame.length);
        data.write(0, frame, 0, frame.length);
        Memory dataOut = out == null ? null : new Memory(out.length);
        Memory attr = newAttr();
        attr.setInt(0, fd);
        attr.setInt(8, frame.length);
        attr.setLong(16, Pointer.nativeValue(data));
        attr.setInt(32, 1);
        if (dataOut != null) {
            attr.setInt(12, out.length);
            attr.setLong(24, Pointer.nativeValue(dataOut));
        }
        try {
            callOrFail("BPF_PROG_TEST_RUN", BPF_PROG_TEST_RUN, attr);
            if (dataOut != null) {
                dataOut.read(0, out, 0, Math.min(out.length, attr.getInt(12)));
            }
        } finally {
            Reference.reachabilityFence(data);
            Reference.reachabilityFence(dataOut);
        }
        return attr.getInt(4);
    }

    /** {@code call}'s result, calling it again (at most {@link #LOAD_ATTEMPTS} times in all) while it fails with EAGAIN. */
    static int triedWhileInterrupted(IntSupplier call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.getAsInt();
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EAGAIN || attempt == LOAD_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** A zeroed {@code union bpf_attr}: fields a command does not use must be zero. */
    private static Memory newAttr() {
        Memory attr = new Memory(ATTR_SIZE);
        attr.clear();
        return attr;
    }

    /** {@code bpf(cmd, attr)}'s result; a failure becomes an IOException naming {@code name} and errno. */
    private static int callOrFail(String name, int cmd, Memory attr) throws IOException {
        try {
            return call(SYSCALL, cmd, attr);
        } catch (LastErrorException e) {
            throw new IOException("bpf(" + name + ") failed (errno " + e.getErrorCode() + ")", e);
        }
    }

    private static int call(long nr, int cmd, Memory attr) {
        try {
            return call(nr, cmd, Pointer.nativeValue(attr));
        } finally {
            Reference.reachabilityFence(attr);
        }
    }

    private static int call(long nr, int cmd, long attr) {
        return (int) Libc.syscall(nr, cmd, attr, ATTR_SIZE);
    }

    /**
     * {@code syscall(2)}, bound directly (JNA's direct mapping): through a {@code Function} each call boxed its
     * arguments into an array and looked their types up, which cost more user time than the kernel's work for a
     * map update (a profile of connection setup: 1,851 samples of JNA against 1,606 in the kernel).
     */
    private static final class Libc {
        static {
            Native.register(Libc.class, Platform.C_LIBRARY_NAME);
        }

        static native long syscall(long number, long cmd, long attr, long size) throws LastErrorException;
    }
}
