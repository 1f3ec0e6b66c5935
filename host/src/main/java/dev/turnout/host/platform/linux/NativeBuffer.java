package dev.turnout.host.platform.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A direct buffer with its address, for system calls that take pointers: the owner keeps it, so the address stays
 * valid, and fills it through the buffer (plain memory writes, where a JNA {@code Memory} makes a native call per
 * field).
 */
record NativeBuffer(ByteBuffer buffer, long address) {

    /** {@code size} zeroed bytes in {@code order}. */
    static NativeBuffer allocate(int size, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocateDirect(size).order(order);
        return new NativeBuffer(b, Pointer.nativeValue(Native.getDirectBufferPointer(b)));
    }
}
