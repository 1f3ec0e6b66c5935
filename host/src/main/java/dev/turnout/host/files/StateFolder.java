package dev.turnout.host.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The folder where a Turnout keeps what outlives a run (the fake-IP cache, the groups' choices, dashboards'
 * settings): its config's. Two instances on two configs in one folder would write the same files, and a restart could
 * then give one instance's addresses the other's names, so one instance at a time keeps its state there: the first,
 * by a lock on
 * {@value #LOCK_NAME}. Another runs with its state in memory only, as mihomo does when its cache file is locked.
 */
public final class StateFolder implements AutoCloseable {

    static final String LOCK_NAME = ".turnout-state.lock";

    private final Path folder;
    private final HeldFile held;
    private final String refusal;

    private StateFolder(Path folder, HeldFile held, String refusal) {
        this.folder = folder;
        this.held = held;
        this.refusal = refusal;
    }

    /**
     * Claims {@code folder} for this instance, writing {@code self} (who it is, for another instance's message) into
     * the lock; never fails: a folder held by another instance, or where no lock can be taken, is not this one's.
     */
    public static StateFolder claim(Path folder, String self) {
        Path lock = folder.resolve(LOCK_NAME);
        try {
            Optional<HeldFile> held = HeldFile.tryHold(lock);
            if (held.isEmpty()) {
                return new StateFolder(folder, null, "another Turnout keeps its own there (" + holder(lock) + ")");
            }
            try {
                held.get().channel().truncate(0).write(ByteBuffer.wrap(self.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                held.get().close(); // not kept: so not held either (a full disk)
                throw e;
            }
            return new StateFolder(folder, held.get(), null);
        } catch (IOException e) {
            return new StateFolder(folder, null, "no lock can be taken there (" + FileProblems.why(e) + ")");
        }
    }

    /** The folder of an instance that keeps nothing there: it takes no lock and names no reason. */
    public static StateFolder unclaimed(Path folder) {
        return new StateFolder(folder, null, null);
    }

    /** Who holds {@code lock}, as it wrote itself down; it may not have yet. */
    private static String holder(Path lock) {
        try {
            String text = Files.readString(lock, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "it is starting" : text;
        } catch (IOException e) {
            return "unknown: " + e.getMessage();
        }
    }

    /** Whether this instance keeps its state in the folder. */
    public boolean owned() {
        return held != null;
    }

    /** The file {@code name} in the folder when this instance keeps its state there, else {@code null}: in memory. */
    public Path file(String name) {
        return held == null ? null : folder.resolve(name);
    }

    /** Why this instance does not keep its state in the folder; {@code null} when it does, or did not claim it. */
    public String refusal() {
        return refusal;
    }

    public Path folder() {
        return folder;
    }

    /** Lets the folder go: after the state's last writes, which the next holder must find whole. */
    @Override
    public void close() {
        if (held != null) {
            held.close();
        }
    }
}
