package dev.turnout.host.controller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code /memory} reports as {@code inuse}: the process's resident set, as mihomo reports its own (Linux's
 * {@code VmRSS}), so the number matches what {@code top} shows; the Java heap in use where {@code /proc} is absent.
 */
final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    static long inUse() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return kilobytes(line) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the heap below
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** {@code "VmRSS:     123456 kB"} to 123456. */
    static long kilobytes(String line) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).replace("kB", "").trim());
    }
}
