package dev.turnout.host.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * Holds an {@link InstanceLock} in a process of its own, as a running Turnout would: takes, in folder
 * {@code args[0]} and namespace {@code args[1]}, the claims of config {@code args[2]} and port {@code args[3]},
 * prints {@code LOCKED}, and keeps them until its stdin closes.
 */
public final class LockHolderMain {

    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        InstanceLock.Holder self = InstanceLock.Holder.self(Path.of(args[2]));
        InstanceLock lock = InstanceLock.acquire(Path.of(args[0]), args[1],
                List.of(InstanceLock.Claim.port(Integer.parseInt(args[3])), InstanceLock.Claim.config(self.config())), self);
        System.out.println("LOCKED");
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold until the test lets go
        }
        lock.release();
    }
}
