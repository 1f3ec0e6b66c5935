package dev.turnout.host.files;

import java.nio.file.Files;
import java.nio.file.Path;

/** What compiling the routing may download: providers' copies and the geo databases rules read. */
public enum Downloads {
    /** Nothing: {@code turnout check}. */
    NONE,
    /**
     * Only what has no copy yet: a start. It must not wait on a server for a copy it has (three unreachable rule
     * sets held the proxy ports shut for 30 s); the copies older than their interval are refreshed right after it,
     * by a reload, as mihomo refreshes them after its start.
     */
    MISSING,
    /** Also the copies older than their interval: a reload. */
    STALE_TOO;

    /** Whether the copy at {@code copy}, {@code stale} or not (missing counts as stale), is downloaded now. */
    public boolean fetches(Path copy, boolean stale) {
        return this == STALE_TOO ? stale : this == MISSING && !Files.exists(copy);
    }
}
