package dev.turnout.host.cli;

import java.nio.file.Path;

/**
 * Holds an {@link InstanceLock} in a process of its own, as a running Turnout would: takes the lock in
 * {@code args[0]} for config {@code args[1]}, prints {@code LOCKED}, and keeps it until its stdin closes.
 */
public final class LockHolderMain {

    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        InstanceLock lock = InstanceLock.acquire(Path.of(args[0]), InstanceLock.Holder.self(Path.of(args[1])));
        System.out.println("LOCKED");
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold until the test lets go
        }
        lock.release();
    }
}
