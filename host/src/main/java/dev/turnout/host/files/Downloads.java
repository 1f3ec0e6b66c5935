package dev.turnout.host.files;

import java.nio.file.Files;
import java.nio.file.Path;

/** What compiling the routing may download: providers' copies and the geo databases rules read. */
public enum Downloads {
    /** Nothing: {@code turnout check}. */
    NONE,
    /**
     * Only what has no copy yet: a start, a reload. It must not wait on a server for a copy it has (three unreachable
     * rule sets held the proxy ports shut for 30 s); the copies older than their interval are refreshed right after
     * it, as mihomo's fetcher uses the copy it has and pulls a stale one in the background.
     */
    MISSING,
    /** Also the copies older than their interval: {@code turnout match}, which reads the rule sets as they are now. */
    STALE_TOO,
    /**
     * Nothing, as the caller has just downloaded what was due (a refresh, a dashboard's update of a provider): a
     * copy still missing stands in empty, with no note that it was never fetched, and the next refresh tries it
     * again. A download here would hold the reload, which a stalled server held for minutes.
     */
    TRIED;

    /**
     * What is said of a provider's cached copy that no longer reads (Turnout reads a download before it saves it, so
     * it was broken since: by hand, or by another program), which stands in empty meanwhile.
     *
     * @param provider        where and which: {@code c.yaml:4:8: proxy provider 'sub'}
     * @param downloadFailure why downloading it again just now failed; null when nothing was downloaded (check)
     * @param meanwhile       what the provider is until a download succeeds: {@code it is empty}, {@code it has no nodes}
     */
    public static String unreadableCopy(String provider, String problem, Exception downloadFailure, String meanwhile) {
        String lost = provider + ": its cached copy cannot be read (" + problem + ")";
        return downloadFailure == null ? lost + "; run downloads it again" : lost + ", and downloading it again failed ("
                + FileProblems.why(downloadFailure) + "): " + meanwhile + " until a download succeeds";
    }

    /** Whether the copy at {@code copy}, {@code stale} or not (missing counts as stale), is downloaded now. */
    public boolean fetches(Path copy, boolean stale) {
        return this == STALE_TOO ? stale : this == MISSING && !Files.exists(copy);
    }
}
