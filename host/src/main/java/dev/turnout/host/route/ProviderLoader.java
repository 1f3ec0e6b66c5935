package dev.turnout.host.route;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.files.AtOnce;
import dev.turnout.host.files.Download;
import dev.turnout.host.files.Downloads;
import dev.turnout.host.files.FileProblems;
import dev.turnout.host.provider.SubscriptionUrl;
import dev.turnout.rules.ProviderFormat;
import dev.turnout.rules.ProviderSource;
import dev.turnout.rules.RuleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the contents of a config's rule providers: a file provider from its path; an http provider from its
 * cached copy at {@code path}, downloading it first when asked to and when the copy is missing or older than
 * its interval. When the URL cannot be reached the cached copy is used; with no copy either, the provider is
 * empty and a note says so.
 */
public final class ProviderLoader {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderLoader.class);

    /**
     * What loading found: the contents, notes for the user (not fetched, empty, stale), and the providers that stand
     * in empty for a reason a note already gives (no copy, a copy that cannot be read).
     */
    public record Loaded(Map<String, ProviderSource> sources, List<String> notes, Set<String> emptyAsSaid,
                         Map<String, Stamp> stamps) {
    }

    /**
     * A provider's file as it was when read: its time and size, taken before the read (a write during it shows as
     * a later stamp, and is read again). What {@code /providers/rules} gives as {@code updatedAt}, and what the watch
     * of file providers compares the file with.
     */
    public record Stamp(Instant modified, long size) {

        /** {@code file}'s stamp now, or {@code null} when it cannot be read (missing). */
        public static Stamp of(Path file) {
            try {
                var attributes = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
                return new Stamp(attributes.lastModifiedTime().toInstant(), attributes.size());
            } catch (IOException e) {
                return null;
            }
        }
    }

    private ProviderLoader() {
    }

    /**
     * @param fetch whether http providers may be downloaded now ({@code turnout check} never downloads)
     */
    public static Loaded load(Config config, boolean fetch) throws ConfigException {
        List<ConfigException> errors = new ArrayList<>();
        Loaded loaded = load(config, fetch ? Downloads.STALE_TOO : Downloads.NONE, errors);
        if (!errors.isEmpty()) {
            throw ConfigException.of(errors);
        }
        return loaded;
    }

    /**
     * As {@link #load(Config, boolean)}, but a provider that cannot be read adds its problem to {@code errors} and
     * stands in empty, so that the rules can still be checked in the same run (a missing file must not hide them).
     * The copies to download are downloaded at once, before any is read.
     */
    public static Loaded load(Config config, Downloads downloads, List<ConfigException> errors) {
        return load(config, downloads, errors, Map.of());
    }

    /**
     * As {@link #load(Config, Downloads, List)}, with the http providers whose cached copy {@link #brokenCopies} found
     * broken: each is downloaded again now (unless nothing may be), and stands in empty with a note when that fails,
     * as mihomo starts with such a provider empty rather than not at all.
     *
     * @param broken provider name to what is wrong with its copy
     */
    public static Loaded load(Config config, Downloads downloads, List<ConfigException> errors,
                              Map<String, String> broken) {
        return load(config, downloads, errors, broken, fetch(config, downloads, broken, downloads != Downloads.NONE));
    }

    /**
     * Downloads, all at once, the http providers' copies {@code downloads} asks for and, when {@code fixBroken}, those
     * of {@code broken}; by provider, what each that failed threw. What {@link #load(Config, Downloads, List, Map, Map)}
     * reads after, so that a caller may download them while it does something else (the proxy providers' downloads).
     */
    public static Map<ProviderEntry, Exception> fetch(Config config, Downloads downloads, Map<String, String> broken,
                                                      boolean fixBroken) {
        List<ProviderEntry> due = config.providers().values().stream()
                .filter(p -> "http".equals(p.type()) && (downloads.fetches(p.path(), isStale(p))
                        || fixBroken && broken.containsKey(p.name()))).toList();
        return AtOnce.each(due, MAX_PARALLEL_DOWNLOADS, "turnout-rule-provider-download", ProviderLoader::download);
    }

    /**
     * As {@link #load(Config, Downloads, List, Map)}, with the copies already downloaded by {@link #fetch}.
     *
     * @param failed what {@link #fetch} gave
     */
    public static Loaded load(Config config, Downloads downloads, List<ConfigException> errors,
                              Map<String, String> broken, Map<ProviderEntry, Exception> failed) {
        Map<String, ProviderSource> sources = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Set<String> emptyAsSaid = new HashSet<>();
        Map<String, Stamp> stamps = new HashMap<>();
        long total = 0;
        for (ProviderEntry p : config.providers().values()) {
            String problem = broken.get(p.name());
            if (problem != null && (downloads == Downloads.NONE || failed.containsKey(p))) {
                notes.add(Downloads.unreadableCopy(p.origin() + ": provider '" + p.name() + "'", problem, failed.get(p),
                        "it is empty"));
                sources.put(p.name(), new ProviderSource(p.name(), p.behavior(), p.format(), "", String.valueOf(p.path()),
                        p.origin()));
                emptyAsSaid.add(p.name());
                continue;
            }
            try {
                Stamp stamp = p.payload() == null ? Stamp.of(p.path()) : null;
                total += read(p, downloads != Downloads.NONE, failed.get(p), total, sources, notes, emptyAsSaid);
                if (stamp != null && !emptyAsSaid.contains(p.name())) {
                    stamps.put(p.name(), stamp);
                }
            } catch (ConfigException e) {
                errors.add(e);
                sources.put(p.name(), new ProviderSource(p.name(), p.behavior(), ProviderFormat.TEXT, "",
                        String.valueOf(p.path()), p.origin()));
            }
        }
        return new Loaded(sources, notes, Set.copyOf(emptyAsSaid), Map.copyOf(stamps));
    }

    /**
     * Reads one provider into {@code sources}; returns the bytes it read.
     *
     * @param downloadFailure what went wrong when its copy was downloaded just now, if it was and it did
     */
    private static long read(ProviderEntry p, boolean fetch, Exception downloadFailure, long readSoFar,
                             Map<String, ProviderSource> sources, List<String> notes, Set<String> emptyAsSaid)
            throws ConfigException {
        Path path = p.path();
        if (p.payload() != null) {
            sources.put(p.name(), ProviderSource.inline(p.name(), p.behavior(), p.payload(), p.origin()));
            return 0;
        }
        if (p.type().equals("http")) {
            if (downloadFailure instanceof InterruptedException) {
                throw new ConfigException(p.origin(), "interrupted while fetching provider '" + p.name() + "'");
            }
            if (downloadFailure != null) {
                notes.add(p.origin() + ": provider '" + p.name() + "' could not be fetched from " + SubscriptionUrl.redacted(p.url())
                        + " (" + FileProblems.why(downloadFailure) + ")" + (Files.exists(path) ? "; using the cached copy" : ""));
            }
            if (!Files.exists(path)) {
                if (!fetch) {
                    notes.add(p.origin() + ": provider '" + p.name() + "' not fetched (" + SubscriptionUrl.redacted(p.url()) + "); no cached copy at " + path);
                }
                sources.put(p.name(), new ProviderSource(p.name(), p.behavior(), p.format(), "", path.toString(), p.origin()));
                if (!fetch || downloadFailure != null) {
                    emptyAsSaid.add(p.name());
                }
                return 0;
            }
        } else if (!Files.exists(path)) {
            // As mihomo, which logs the error and goes on: the rules naming it match nothing until it is there.
            notes.add(p.origin() + ": provider '" + p.name() + "': file " + path + " does not exist; its rules match"
                    + " nothing until it is there and read again");
            sources.put(p.name(), new ProviderSource(p.name(), p.behavior(), p.format(), "", path.toString(), p.origin()));
            emptyAsSaid.add(p.name());
            return 0;
        }
        try {
            long size = Files.size(path);
            if (readSoFar + size > MAX_TOTAL_BYTES) {
                throw new ConfigException(p.origin(), "provider '" + p.name() + "': " + ConfigLoader.tooLarge(
                        path + " (with the providers before it)", readSoFar + size, MAX_TOTAL_BYTES));
            }
            sources.put(p.name(), source(p, ConfigLoader.readFile(path), path.toString()));
            return size;
        } catch (IOException e) {
            throw new ConfigException(p.origin(), "provider '" + p.name() + "': cannot read " + path + ": " + FileProblems.why(e));
        }
    }

    /** {@code bytes} read from {@code file} (or downloaded from it) as the rules take them. */
    private static ProviderSource source(ProviderEntry p, byte[] bytes, String file) throws ConfigException {
        if (p.format() == ProviderFormat.MRS) {
            return ProviderSource.mrs(p.name(), p.behavior(), bytes, file, p.origin());
        }
        ConfigLoader.requireUtf8(bytes, file);
        return ProviderSource.utf8(p.name(), p.behavior(), p.format(), bytes, file, p.origin());
    }

    /**
     * The http providers whose cached copy one of {@code problems} lies in and which no longer reads as a rule set of
     * its format (Turnout reads a download before it saves it, so such a copy was broken since: by hand, or by another
     * program), each with the first such problem. A problem of another kind in a good copy (a GEOIP entry without
     * its database) is not the copy's fault: downloading it again would not help.
     */
    public static Map<String, String> brokenCopies(Config config, List<ConfigException> problems) {
        Map<String, String> broken = new LinkedHashMap<>();
        for (ConfigException problem : problems) {
            for (ProviderEntry p : config.providers().values()) {
                if ("http".equals(p.type()) && p.payload() == null && !broken.containsKey(p.name())
                        && p.path().toString().equals(problem.origin().file()) && !copyReads(p)) {
                    broken.put(p.name(), problem.getMessage());
                }
            }
        }
        return broken;
    }

    /** Whether {@code p}'s copy on disk reads as a rule set of its format (empty or not). */
    private static boolean copyReads(ProviderEntry p) {
        try {
            source(p, Files.readAllBytes(p.path()), p.path().toString()).entries();
            return true;
        } catch (IOException | ConfigException | RuleException e) {
            return false;
        }
    }

    /** Seconds until {@code p}'s copy is older than its interval: 0 or less when it is already, or missing. */
    public static long secondsUntilStale(ProviderEntry p) {
        try {
            long age = (System.currentTimeMillis() - Files.getLastModifiedTime(p.path()).toMillis()) / 1000;
            return p.intervalSeconds() - age;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Whether an http provider's copy is missing or older than its interval: a reload downloads it. */
    public static boolean isStale(ProviderEntry p) {
        return !Files.exists(p.path()) || p.intervalSeconds() > 0 && secondsUntilStale(p) < 0;
    }

    /**
     * All rule providers of a config together may hold this many bytes; more is refused before it is read. Like
     * {@link ConfigLoader#MAX_CONFIG_BYTES} (see there for the measurement), sized so that a reload, the new
     * rules built beside the running ones, fits the launcher's 512 MiB heap: 8 MiB is some 440,000 domains.
     */
    public static final long MAX_TOTAL_BYTES = 8L * 1024 * 1024;

    /** Downloads that run at once; more wait for a free slot. */
    static final int MAX_PARALLEL_DOWNLOADS = 16;

    /** A download larger than this is refused rather than kept. */
    static final long MAX_BYTES = MAX_TOTAL_BYTES;

    /**
     * A download that takes longer than this fails (and the copy, if any, is kept): mihomo gives a provider's
     * download 20 s; this allows 8 MiB, the most a set may be, at about 1 Mbit/s.
     */
    static final java.time.Duration MAX_TIME = java.time.Duration.ofSeconds(60);

    /**
     * Downloads {@code p}'s URL over its cached copy ({@link Download}: bounded in size and time, renamed into place
     * whole). What came must be a rule set of the provider's format with a rule in it, as mihomo reads a download
     * before it saves it: a captive portal's page, an error page sent with 200 or an empty answer would otherwise
     * take the last good copy's place, and every start and reload after would refuse the config until the copy's
     * interval had passed.
     *
     * @return whether the copy changed: a reload for an unchanged download would rebuild every rule for nothing
     */
    public static boolean download(ProviderEntry p) throws IOException {
        boolean[] changed = new boolean[1];
        Download.fetch(p.url(), true, p.path(), MAX_BYTES, MAX_TIME, file -> {
            requireRules(p, Files.readAllBytes(file));
            changed[0] = !Files.isRegularFile(p.path()) || Files.mismatch(file, p.path()) != -1;
        }, LOG::info);
        return changed[0];
    }

    private static void requireRules(ProviderEntry p, byte[] bytes) throws IOException {
        int entries;
        try {
            ProviderSource.Reading read = source(p, bytes, SubscriptionUrl.redacted(p.url())).reading();
            entries = read.entries();
            // A list with an odd line is kept, the line skipped, as mihomo keeps it; an answer mostly of lines that
            // are no entries (a captive portal's page, of which a line such as '<html>' passes for a domain) is not.
            if (read.skipped() > entries) {
                throw new IOException("refused: not a rule set of format " + p.format().name().toLowerCase(Locale.ROOT)
                        + ": " + read.firstSkipped() + " (" + read.skipped() + " of " + (entries + read.skipped())
                        + " entries unusable)");
            }
        } catch (ConfigException | RuleException e) {
            throw new IOException("refused: not a rule set of format " + p.format().name().toLowerCase(Locale.ROOT)
                    + ": " + e.getMessage());
        }
        if (entries == 0) {
            throw new IOException("refused: " + (bytes.length == 0 ? "an empty answer" : "no rule of behavior "
                    + p.behavior().name().toLowerCase(Locale.ROOT) + " in " + bytes.length + " bytes"));
        }
    }
}
