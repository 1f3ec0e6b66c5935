package dev.turnout.host.provider;

import dev.turnout.api.OutboundOptions;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.config.ProxyEntry;
import dev.turnout.host.config.ProxyProviderEntry;
import dev.turnout.host.files.AtOnce;
import dev.turnout.host.files.Downloads;
import dev.turnout.host.files.FileProblems;
import dev.turnout.host.outbound.AdapterTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a config's proxy providers: inline from the config, file from its path, http from the copy cached at
 * its path, downloaded first (all due ones at once) when asked and when the copy is missing or older than the
 * interval. A download is read before it replaces the copy, so a broken or foreign answer keeps the last good
 * list; one that cannot be fetched leaves the cached copy in use, with a note naming its age.
 */
public final class ProxyProviders {

    /** The largest subscription kept when the provider sets no smaller {@code size-limit}: what a config may be. */
    public static final long MAX_BYTES = ConfigLoader.MAX_CONFIG_BYTES;

    /** Downloads that run at once; more wait for a free slot. */
    static final int MAX_PARALLEL_DOWNLOADS = 16;

    /** Downloads a provider's URL (through its {@code proxy:}), at most {@code maxBytes}. */
    @FunctionalInterface
    public interface Downloader {
        SubscriptionClient.Response download(ProxyProviderEntry provider, long maxBytes)
                throws IOException, InterruptedException;
    }

    /** Every provider's content, and what the user should read (not fetched, stale, broken download). */
    public record Loaded(Map<String, ProviderContent> providers, List<String> notes) {

        public static final Loaded NONE = new Loaded(Map.of(), List.of());
    }

    private ProxyProviders() {
    }

    /** Whether an http provider's copy is missing or older than its interval: a download is due. */
    public static boolean due(ProxyProviderEntry p) {
        if (!p.http()) {
            return false;
        }
        try {
            if (!Files.exists(p.path())) {
                return true;
            }
            return p.intervalSeconds() > 0
                    && age(p.path()).compareTo(Duration.ofSeconds(p.intervalSeconds())) >= 0;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * @param downloader how http providers are fetched when due; {@code null}: never ({@code turnout check})
     * @param errors where a provider that cannot be read at all (a missing file) puts its problem; it stands in empty
     */
    public static Loaded load(Config config, Downloader downloader, List<ConfigException> errors) {
        return load(config, downloader, Downloads.STALE_TOO, errors);
    }

    /** As {@link #load(Config, Downloader, List)}, downloading what {@code downloads} says (a start: missing copies). */
    public static Loaded load(Config config, Downloader downloader, Downloads downloads, List<ConfigException> errors) {
        Map<String, ProviderContent> out = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Map<String, Exception> failed = downloader == null ? Map.of()
                : downloadDue(config.proxyProviders().values(), downloader, downloads);
        for (ProxyProviderEntry p : config.proxyProviders().values()) {
            try {
                out.put(p.name(), read(p, downloader, failed.get(p.name()), notes));
            } catch (ConfigException e) {
                errors.add(e);
                out.put(p.name(), new ProviderContent(p, List.of(), Map.of(), null, null));
            }
        }
        return new Loaded(out, notes);
    }

    /**
     * Downloads the http providers whose copy {@code downloads} asks for at once; returns, by provider name, what
     * went wrong for those that failed.
     */
    private static Map<String, Exception> downloadDue(Collection<ProxyProviderEntry> providers, Downloader downloader,
                                                      Downloads downloads) {
        List<ProxyProviderEntry> due = providers.stream()
                .filter(p -> p.http() && downloads.fetches(p.path(), due(p))).toList();
        Map<String, Exception> failed = new HashMap<>();
        AtOnce.each(due, MAX_PARALLEL_DOWNLOADS, "turnout-provider-download", p -> refresh(p, downloader))
                .forEach((p, e) -> failed.put(p.name(), e));
        return failed;
    }

    /** @param downloader null when nothing may be downloaded ({@code turnout check}) */
    private static ProviderContent read(ProxyProviderEntry p, Downloader downloader, Exception downloadFailure,
                                        List<String> notes) throws ConfigException {
        String what = "proxy provider '" + p.name() + "'";
        if (p.payload() != null) {
            Map<String, Integer> skipped = new TreeMap<>();
            return new ProviderContent(p, select(p, p.payload(), skipped), skipped, null, null);
        }
        Path path = p.path();
        if (p.http()) {
            if (downloadFailure instanceof InterruptedException) {
                throw new ConfigException(p.origin(), "interrupted while fetching " + what);
            }
            if (downloadFailure != null) {
                notes.add(p.origin() + ": " + what + " could not be updated from " + SubscriptionUrl.redacted(p.url())
                        + ": " + FileProblems.why(downloadFailure) + (Files.exists(path) ? "; using the cached copy, "
                        + describeAge(path) : "; it has no nodes until a download succeeds"));
            }
            if (!Files.exists(path)) {
                if (downloader == null) {
                    notes.add(p.origin() + ": " + what + " not fetched yet (" + SubscriptionUrl.redacted(p.url())
                            + "); no cached copy at " + path);
                }
                return new ProviderContent(p, List.of(), Map.of(), null, null);
            }
        } else if (!Files.exists(path)) {
            // As mihomo, which logs the error and goes on: the groups using it have its nodes once it is there.
            notes.add(p.origin() + ": " + what + ": file " + path + " does not exist; it has no nodes until it is there"
                    + " and read again");
            return new ProviderContent(p, List.of(), Map.of(), null, null);
        }
        Subscription.Parsed parsed;
        try {
            parsed = parse(read(path, p), path.toString());
            if (p.http()) {
                // A copy an older Turnout saved empty: downloaded again, as one that does not read.
                requireNodes(p, parsed, path.toString());
            }
        } catch (ConfigException broken) {
            if (!p.http()) {
                // As mihomo, which logs the provider's initial error and starts with it empty; as a missing file.
                notes.add(p.origin() + ": " + what + ": file " + path + " cannot be read as a provider ("
                        + broken.getMessage() + "); it has no nodes until it reads and is read again");
                return new ProviderContent(p, List.of(), Map.of(), null, null);
            }
            parsed = readAgain(p, broken, downloader, downloadFailure, notes);
            if (parsed == null) {
                return new ProviderContent(p, List.of(), Map.of(), null, null);
            }
        }
        notes.addAll(parsed.notes());
        Map<String, Integer> skipped = new TreeMap<>(parsed.skipped());
        Instant updated;
        try {
            updated = Files.getLastModifiedTime(path).toInstant();
        } catch (IOException e) {
            updated = null;
        }
        return new ProviderContent(p, select(p, parsed.nodes(), skipped), skipped, updated, readInfo(p));
    }

    /**
     * An http provider's copy that no longer reads (Turnout reads a download before it saves it, so the copy was
     * broken since: by hand, or by another program): downloaded again now, as mihomo does, unless that already
     * failed or may not happen; otherwise the provider has no nodes and a note says why, and Turnout still starts,
     * as mihomo does. Null when there is no list.
     */
    private static Subscription.Parsed readAgain(ProxyProviderEntry p, ConfigException broken, Downloader downloader,
                                                 Exception downloadFailure, List<String> notes) throws ConfigException {
        String provider = p.origin() + ": proxy provider '" + p.name() + "'";
        if (downloader == null) {
            notes.add(Downloads.unreadableCopy(provider, broken.getMessage(), null, "it has no nodes"));
            return null;
        }
        if (downloadFailure == null) {
            try {
                Subscription.Parsed again = refresh(p, downloader);
                if (again != null) {
                    return again;
                }
                downloadFailure = new IOException("the server sent the same list again");
            } catch (InterruptedException e) {
                throw new ConfigException(p.origin(), "interrupted while fetching proxy provider '" + p.name() + "'");
            } catch (IOException | ConfigException e) {
                downloadFailure = e;
            }
        }
        notes.add(Downloads.unreadableCopy(provider, broken.getMessage(), downloadFailure, "it has no nodes"));
        return null;
    }

    /**
     * Downloads {@code p} now, reads what came, and only then replaces the cached copy (temporary file and
     * rename): a reader never sees half a file and a bad answer keeps the last good list, as does one that leaves the
     * provider no node ({@link #requireNodes}).
     *
     * @return what came; {@code null} when it is the cached copy byte for byte, whose time (the provider's
     *     {@code updatedAt}) alone is set to now, as mihomo's fetcher does
     */
    public static Subscription.Parsed refresh(ProxyProviderEntry p, Downloader downloader)
            throws IOException, InterruptedException, ConfigException {
        long limit = p.sizeLimit() > 0 ? Math.min(p.sizeLimit(), MAX_BYTES) : MAX_BYTES;
        SubscriptionClient.Response r = downloader.download(p, limit);
        if (r.body().length > limit) {
            throw new IOException("refused: " + r.body().length + " bytes, more than the size limit of " + limit);
        }
        if (sameBytes(p.path(), r.body())) {
            // As mihomo's fetcher: an unchanged download only says when the copy was last updated.
            Files.setLastModifiedTime(p.path(), java.nio.file.attribute.FileTime.from(Instant.now()));
            writeInfo(p, r);
            return null;
        }
        String text = ConfigLoader.decode(r.body(), p.url());
        Subscription.Parsed parsed = parse(text, p.url());
        requireNodes(p, parsed, SubscriptionUrl.redacted(p.url()));
        writeAtomically(p.path(), r.body());
        writeInfo(p, r);
        return parsed;
    }

    /**
     * Refuses a list that leaves {@code p} no node, as mihomo's NewProxiesParser does ("file doesn't have any proxy",
     * "doesn't match any proxy, please check your filter"): the download keeps the last good list and copy, where it
     * emptied every group over the provider until the next good one (and after a restart, the copy overwritten).
     */
    static void requireNodes(ProxyProviderEntry p, Subscription.Parsed parsed, String from) throws ConfigException {
        if (!select(p, parsed.nodes(), new TreeMap<>()).isEmpty()) {
            return;
        }
        boolean filtered = !parsed.nodes().isEmpty()
                && (p.filter() != null || p.excludeFilter() != null || !p.excludeTypes().isEmpty());
        throw new ConfigException(p.origin(), "proxy provider '" + p.name() + "': " + from + (filtered
                ? " matches no proxy, check the filter" : " has no proxy") + "; the last good list stays");
    }

    private static boolean sameBytes(Path copy, byte[] body) {
        try {
            return Files.isRegularFile(copy) && Files.size(copy) == body.length
                    && java.util.Arrays.equals(Files.readAllBytes(copy), body);
        } catch (IOException e) {
            return false;
        }
    }

    private static void writeInfo(ProxyProviderEntry p, SubscriptionClient.Response r) throws IOException {
        Path info = infoFile(p.path());
        if (r.userInfo() != null) {
            writeAtomically(info, r.userInfo().getBytes(StandardCharsets.UTF_8));
        } else {
            Files.deleteIfExists(info);
        }
    }

    private static Subscription.Parsed parse(String text, String name) throws ConfigException {
        return Subscription.parse(text, name);
    }

    private static String read(Path path, ProxyProviderEntry p) throws ConfigException {
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw new ConfigException(p.origin(), "proxy provider '" + p.name() + "': "
                        + ConfigLoader.tooLarge(path.toString(), size, MAX_BYTES));
            }
            return ConfigLoader.decode(ConfigLoader.readFile(path), path.toString());
        } catch (IOException e) {
            throw new ConfigException(p.origin(), "proxy provider '" + p.name() + "': cannot read " + path + ": " + FileProblems.why(e));
        }
    }

    /**
     * The nodes that join: those {@code filter} matches and {@code exclude-filter} and {@code exclude-type} do
     * not (all by the name as written), renamed by {@code proxy-name}, the prefix and suffix and amended by
     * {@code override}, as mihomo's proxiesParseAndFilter does. A name that repeats is left out.
     */
    static List<ProxyEntry> select(ProxyProviderEntry p, List<ProxyEntry> nodes, Map<String, Integer> skipped) {
        List<ProxyEntry> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        ProxyProviderEntry.NodeOverride o = p.override();
        for (ProxyEntry e : nodes) {
            String name = e.name();
            if ((p.filter() != null && !p.filter().matches(name))
                    || (p.excludeFilter() != null && p.excludeFilter().matches(name))
                    || excludedType(e.type(), p.excludeTypes())) {
                continue;
            }
            String renamed = o.rename(name);
            if (renamed.chars().anyMatch(Character::isISOControl)) {
                // A subscription is anyone's text; such a name would write lines of its own into the routing log.
                skipped.merge("a name with a control character", 1, Integer::sum);
                continue;
            }
            if (!names.add(renamed)) {
                skipped.merge("a name used twice", 1, Integer::sum);
                continue;
            }
            if (renamed.equals(name) && o.options().isEmpty()) {
                out.add(e);
                continue;
            }
            Map<String, Object> values = new LinkedHashMap<>(e.options().values());
            values.putAll(o.options());
            Map<String, dev.turnout.rules.Origin> origins = new LinkedHashMap<>(e.keyOrigins());
            o.options().keySet().forEach(k -> origins.put(k, o.origins().getOrDefault(k, p.origin())));
            out.add(new ProxyEntry(new OutboundOptions(renamed, e.type(), values), e.origin(), Map.copyOf(origins)));
        }
        return List.copyOf(out);
    }

    private static boolean excludedType(String type, List<String> excluded) {
        String mihomo = AdapterTypes.mihomoName(type);
        for (String x : excluded) {
            if (x.equalsIgnoreCase(type) || (mihomo != null && x.equalsIgnoreCase(mihomo))) {
                return true;
            }
        }
        return false;
    }

    /**
     * When an http provider's list was last updated: its copy's time, which a download that brought the same list
     * sets without the running config being compiled again; the loaded content's time for the others.
     */
    public static Instant updatedAt(ProviderContent c) {
        if (c.entry().http() && c.updatedAt() != null) {
            try {
                return Files.getLastModifiedTime(c.entry().path()).toInstant();
            } catch (IOException e) {
                return c.updatedAt();
            }
        }
        return c.updatedAt();
    }

    /** An http provider's traffic and expiry as its last download (even one that brought the same list) told. */
    public static SubscriptionInfo info(ProviderContent c) {
        return c.entry().http() && c.updatedAt() != null ? readInfo(c.entry()) : c.info();
    }

    /** Where the {@code subscription-userinfo} of the last download is kept: beside the copy. */
    static Path infoFile(Path cache) {
        return cache.resolveSibling(cache.getFileName() + ".userinfo");
    }

    private static SubscriptionInfo readInfo(ProxyProviderEntry p) {
        try {
            Path info = infoFile(p.path());
            if (!Files.isRegularFile(info) || Files.size(info) > 4096) {
                return null;
            }
            return SubscriptionInfo.parse(Files.readString(info, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    static void writeAtomically(Path path, byte[] bytes) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".part");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Duration age(Path path) throws IOException {
        return Duration.between(Files.getLastModifiedTime(path).toInstant(), Instant.now());
    }

    /** "saved 2026-11-30T08:00:00Z, 3 h 5 min ago": how old a cached copy is. */
    public static String describeAge(Path path) {
        try {
            Duration d = age(path);
            String ago = d.toDays() > 0 ? d.toDays() + " d " + d.toHoursPart() + " h"
                    : d.toHours() > 0 ? d.toHours() + " h " + d.toMinutesPart() + " min"
                    : d.toMinutes() > 0 ? d.toMinutes() + " min" : Math.max(0, d.toSeconds()) + " s";
            return "saved " + Files.getLastModifiedTime(path).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    + ", " + ago + " ago";
        } catch (IOException e) {
            return "of unknown age";
        }
    }
}
