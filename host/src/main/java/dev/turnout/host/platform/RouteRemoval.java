package dev.turnout.host.platform;

import java.util.List;

/**
 * What removing recorded routes did: which routes this call took away, and which were no longer there
 * (their device vanished with the Turnout that made them, or someone removed them by hand). Kept apart so
 * {@code turnout cleanup} reports only what it actually removed.
 *
 * @param removed routes this call deleted, in the order they were deleted
 * @param alreadyGone recorded routes the system no longer had
 * @param dnsRestored what was done to undo recorded DNS changes, one line each
 */
public record RouteRemoval(List<String> removed, List<String> alreadyGone, List<String> dnsRestored) {

    public RouteRemoval {
        removed = List.copyOf(removed);
        alreadyGone = List.copyOf(alreadyGone);
        dnsRestored = List.copyOf(dnsRestored);
    }

    public RouteRemoval(List<String> removed, List<String> alreadyGone) {
        this(removed, alreadyGone, List.of());
    }

    public RouteRemoval withDns(List<String> restored) {
        return new RouteRemoval(removed, alreadyGone, restored);
    }
}
