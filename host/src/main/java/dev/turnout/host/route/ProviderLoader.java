package dev.turnout.host.route;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.files.AtOnce;
import dev.turnout.host.files.Download;
import dev.turnout.host.files.Downloads;
import dev.turnout.rules.ProviderFormat;
import dev.turnout.rules.ProviderSource;
import dev.turnout.rules.RuleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    /** What loading found: the contents, and notes for the user (not fetched, empty, stale). */
    public record Loaded(Map<String, ProviderSource> sources, List<String> notes) {
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
        List<ProviderEntry> due = config.providers().values().stream()
                .filter(p -> "http".equals(p.type()) && downloads.fetches(p.path(), isStale(p))).toList();
        Map<ProviderEntry, Exception> failed = AtOnce.each(due, MAX_PARALLEL_DOWNLOADS, "turnout-rule-provider-download",
                ProviderLoader::download);
        Map<String, ProviderSource> sources = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        long total = 0;
        for (ProviderEntry p : config.providers().values()) {
            try {
                total += read(p, downloads != Downloads.NONE, failed.get(p), total, sources, notes);
            } catch (ConfigException e) {
                errors.add(e);
                sources.put(p.name(), new ProviderSource(p.name(), p.behavior(), ProviderFormat.TEXT, "",
                        String.valueOf(p.path()), p.origin()));
            }
        }
        return new Loaded(sources, notes);
    }

    /**
     * Reads one provider into {@code sources}; returns the bytes it read.
     *
     * @param downloadFailure what went wrong when its copy was downloaded just now, if it was and it did
     */
    private static long read(ProviderEntry p, boolean fetch, Exception downloadFailure, long readSoFar,
                             Map<String, ProviderSource> sources, List<String> notes) throws ConfigException {
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
                notes.add(p.origin() + ": provider '" + p.name() + "' could not be fetched from " + p.url()
                        + " (" + downloadFailure.getMessage() + ")" + (Files.exists(path) ? "; using the cached copy" : ""));
            }
            if (!Files.exists(path)) {
                if (!fetch) {
                    notes.add(p.origin() + ": provider '" + p.name() + "' not fetched (" + p.url() + "); no cached copy at " + path);
                }
                sources.put(p.name(), new ProviderSource(p.name(), p.behavior(), p.format(), "", path.toString(), p.origin()));
                return 0;
            }
        } else if (!Files.exists(path)) {
            throw new ConfigException(p.origin(), "provider '" + p.name() + "': file " + path + " does not exist");
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
            throw new ConfigException(p.origin(), "provider '" + p.name() + "': cannot read " + path + ": " + e);
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
    private static boolean isStale(ProviderEntry p) {
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
     * Downloads {@code p}'s URL over its cached copy ({@link Download}: bounded in size and time, renamed into place
     * whole). What came must be a rule set of the provider's format with a rule in it, as mihomo reads a download
     * before it saves it: a captive portal's page, an error page sent with 200 or an empty answer would otherwise
     * take the last good copy's place, and every start and reload after would refuse the config until the copy's
     * interval had passed.
     */
    public static void download(ProviderEntry p) throws IOException {
        Download.fetch(p.url(), p.path(), MAX_BYTES, file -> requireRules(p, Files.readAllBytes(file)), LOG::info);
    }

    private static void requireRules(ProviderEntry p, byte[] bytes) throws IOException {
        int entries;
        try {
            entries = source(p, bytes, p.url()).entries();
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
