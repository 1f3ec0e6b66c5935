package dev.turnout.api.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.function.Supplier;

/**
 * What a test needs of the machine (a real server program, root, network namespaces, a TUN device): a developer
 * without it gets a skip that says what is missing; under CI ({@code CI=true}, as CI services set it, run as root
 * after {@code .ci/test-deps.sh} installed everything) the same gap fails the build, so a broken install can
 * never leave CI green with the end-to-end tests unrun. Every test that would skip for the machine goes through
 * here; skips for a platform (a macOS-only check on Linux) do not.
 */
public final class Required {

    private Required() {
    }

    /** Whether this run is CI's: then nothing the tests need may be missing. */
    public static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips the calling test unless {@code present}; under CI fails instead. {@code missing} says what is not here. */
    public static void that(boolean present, Supplier<String> missing) {
        check(underCi(), present, missing);
    }

    /** The same for a reason that is {@code null} when nothing is missing (as {@code Netns.unavailableReason()} gives). */
    public static void nothingMissing(String missing) {
        check(underCi(), missing == null, () -> missing);
    }

    static void check(boolean ci, boolean present, Supplier<String> missing) {
        if (present) {
            return;
        }
        if (ci) {
            fail("CI=true, so this fails instead of skipping: " + missing.get()
                    + " (CI runs as root, after .ci/test-deps.sh installed every tool the tests need)");
        }
        assumeTrue(false, () -> "skipped: " + missing.get());
    }
}
