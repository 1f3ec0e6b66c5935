package dev.turnout.host.config;

import java.util.Locale;

/**
 * The {@code tun.stack} values mihomo takes (constant/tun.go {@code TUNStack}, any case), in one place for the config
 * and a dashboard's {@code PATCH /configs}: Turnout runs every one on its system stack, and says so of the other two.
 */
public enum TunStack {
    SYSTEM, GVISOR, MIXED;

    /** What is said of {@link #GVISOR} and {@link #MIXED}, after what names them. */
    public static final String RUNS_AS_SYSTEM = "not implemented by Turnout; the system stack is used (the kernel's TCP)";
    /** What is said of a value mihomo refuses, after the value. */
    public static final String EXPECTED = "expected gvisor, system or mixed";

    /** {@code text} in any case, or {@code null} when mihomo refuses it. */
    public static TunStack of(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "system" -> SYSTEM;
            case "gvisor" -> GVISOR;
            case "mixed" -> MIXED;
            default -> null;
        };
    }
}
