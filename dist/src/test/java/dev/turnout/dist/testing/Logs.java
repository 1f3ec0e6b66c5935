package dev.turnout.dist.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Reading the logs the tests' processes write. */
public final class Logs {

    private Logs() {
    }

    /**
     * {@code file} once nothing has been added to it for 100 ms (at most 3 s): Turnout writes its log from a thread
     * of its own, a few milliseconds after a line was logged, so a line logged before the client saw its answer
     * may still be on its way when the client is done.
     */
    public static String read(Path file) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        try {
            long size = Files.exists(file) ? Files.size(file) : -1;
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(100) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                long now = Files.exists(file) ? Files.size(file) : -1;
                if (now != size) {
                    size = now;
                    quietSince = System.nanoTime();
                }
            }
        } catch (IOException e) {
            // read it as it is
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return readNow(file);
    }

    /** {@code file} as it is now, for a loop that waits for a line. */
    public static String readNow(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(no " + file + ")";
        } catch (IOException e) {
            return "(unreadable " + file + ": " + e + ")";
        }
    }
}
