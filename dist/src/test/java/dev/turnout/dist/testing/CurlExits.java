package dev.turnout.dist.testing;

/** What curl's exit code says about how a connection ended. */
public final class CurlExits {

    private CurlExits() {
    }

    /**
     * Whether curl met a reset, wherever in the exchange: finishing its connect (7, "couldn't connect"), just after
     * it (55, "getpeername() failed with errno 107: Transport endpoint is not connected"), sending its request (55,
     * "Send failure: Connection reset by peer") or reading the answer (56). A hang is 28, an end 52. Both 55s were
     * seen in CI.
     */
    public static boolean reset(Netns.Result r) {
        return r.exitCode() == 7 || r.exitCode() == 56 || r.exitCode() == 55
                && (r.stderr().contains("Connection reset by peer") || r.stderr().contains("not connected"));
    }
}
