package dev.turnout.host.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache of http providers: when a download happens, what replaces the copy, what is said. */
class ProxyProvidersTest {

    @TempDir
    Path home;

    private static final String GOOD = "proxies:\n  - {name: a, type: socks5, server: 192.0.2.1, port: 1080}\n";

    private Config config(String extra) throws ConfigException {
        return ConfigLoader.parse("proxy-providers:\n  sub:\n    type: http\n    url: http://192.0.2.80/sub\n"
                + extra + "proxy-groups:\n  - {name: G, type: select, use: [sub]}\n", "c.yaml", null, home);
    }

    private static SubscriptionClient.Response body(String s, String info) {
        return new SubscriptionClient.Response(s.getBytes(StandardCharsets.UTF_8), info);
    }

    @Test
    void theFirstDownloadIsCachedAtMihomosDefaultPathWithItsUserinfo() throws Exception {
        Config c = config("");
        AtomicInteger calls = new AtomicInteger();
        List<ConfigException> errors = new ArrayList<>();
        ProxyProviders.Loaded l = ProxyProviders.load(c, (p, max) -> {
            calls.incrementAndGet();
            return body(GOOD, "upload=1; download=2; total=30; expire=1800000000");
        }, errors);
        ProviderContent sub = l.providers().get("sub");
        assertEquals(List.of("a"), sub.nodes().stream().map(n -> n.name()).toList());
        assertEquals(new SubscriptionInfo(1, 2, 30, 1800000000L), sub.info());
        Path cached = home.resolve("proxies").resolve("1e8ac4478e555d09c663d81a6ce7d222");
        assertEquals(cached, c.proxyProviders().get("sub").path());
        assertEquals(GOOD, Files.readString(cached));
        // Interval 0: the copy is never stale; no second download.
        ProxyProviders.load(c, (p, max) -> {
            calls.incrementAndGet();
            return body(GOOD, null);
        }, errors);
        assertEquals(1, calls.get());
        assertEquals(List.of(), errors);
    }

    @Test
    void aBrokenOrOversizedDownloadKeepsTheLastGoodCopy() throws Exception {
        Config c = config("    size-limit: 200\n");
        var entry = c.proxyProviders().get("sub");
        ProxyProviders.refresh(entry, (p, max) -> body(GOOD, null));
        ConfigException broken = assertThrows(ConfigException.class,
                () -> ProxyProviders.refresh(entry, (p, max) -> body("proxies:\n  - {name: b, type: [\n", null)));
        assertTrue(broken.getMessage().startsWith("http://192.0.2.80/sub:3:1"), broken.getMessage());
        IOException big = assertThrows(IOException.class,
                () -> ProxyProviders.refresh(entry, (p, max) -> body(GOOD + "#".repeat(300), null)));
        assertTrue(big.getMessage().contains("size limit of 200"), big.getMessage());
        assertEquals(GOOD, Files.readString(entry.path()));
        try (var files = Files.list(entry.path().getParent())) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void aFileProviderWhoseFileIsMissingHasNoNodesAndANoteAsMihomoGoesOn() throws Exception {
        // Tangerinell/mihomo_rules_profile names ./LandNode.yaml for the user to make; mihomo logs it and starts.
        Config c = ConfigLoader.parse("proxy-providers:\n  land: {type: file, path: ./LandNode.yaml}\n"
                + "proxy-groups:\n  - {name: G, type: select, use: [land]}\n", "c.yaml", null, home);
        List<ConfigException> errors = new ArrayList<>();
        ProxyProviders.Loaded l = ProxyProviders.load(c, (p, max) -> {
            throw new AssertionError("a file provider is never downloaded");
        }, errors);
        assertEquals(List.of(), errors);
        assertEquals(List.of(), l.providers().get("land").nodes());
        assertEquals(List.of("c.yaml:2:9: proxy provider 'land': file " + home.resolve("LandNode.yaml") + " does not"
                + " exist; it has no nodes until it is there and read again"), l.notes());
    }

    @Test
    void aFileProviderWithTwoYamlDocumentsHasTheFirstsNodesAndANoteAtTheSecond() throws Exception {
        Files.writeString(home.resolve("sub.txt"), GOOD + "---\nproxies:\n  - {name: b, type: socks5\n");
        Config c = ConfigLoader.parse("proxy-providers:\n  free: {type: file, path: ./sub.txt}\n"
                + "proxy-groups:\n  - {name: G, type: select, use: [free]}\n", "c.yaml", null, home);
        List<ConfigException> errors = new ArrayList<>();
        ProxyProviders.Loaded l = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors);
        assertEquals(List.of("a"), l.providers().get("free").nodes().stream().map(n -> n.name()).toList());
        assertEquals(List.of(home.resolve("sub.txt") + ":3:1: a second YAML document begins here; only the first is"
                + " read, as mihomo reads only the first"), l.notes());
    }

    @Test
    void aFileProviderWhoseFileDoesNotReadHasNoNodesAndANoteAsMihomoGoesOn() throws Exception {
        // mihomo logs "initial proxy provider ... error" and starts; a missing file is taken the same way.
        Path file = home.resolve("sub.yaml");
        Files.writeString(file, "proxies:\n  - {name: a, type: socks5\n");
        Config c = ConfigLoader.parse("proxy-providers:\n  mine: {type: file, path: ./sub.yaml}\n"
                + "proxy-groups:\n  - {name: G, type: select, use: [mine]}\n", "c.yaml", null, home);
        List<ConfigException> errors = new ArrayList<>();
        ProxyProviders.Loaded l = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors, "the config is not refused");
        assertEquals(List.of(), l.providers().get("mine").nodes());
        assertEquals(1, l.notes().size(), l.notes().toString());
        assertTrue(l.notes().get(0).startsWith("c.yaml:2:9: proxy provider 'mine': file " + file + " cannot be read as a"
                + " provider (" + file + ":3:1: invalid YAML: "), l.notes().get(0));
        assertTrue(l.notes().get(0).endsWith("); it has no nodes until it reads and is read again"), l.notes().get(0));

        Files.writeString(file, "just text\n");
        l = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors, "not a list of nodes either");
        assertTrue(l.notes().get(0).contains("cannot be read as a provider (" + file + ":1:1: "), l.notes().get(0));
    }

    @Test
    void offlineTheStaleCopyIsUsedWithItsAge() throws Exception {
        Config c = config("    interval: 60\n");
        var entry = c.proxyProviders().get("sub");
        ProxyProviders.refresh(entry, (p, max) -> body(GOOD, null));
        Files.setLastModifiedTime(entry.path(), FileTime.from(Instant.now().minusSeconds(3 * 3600 + 120)));
        ProxyProviders.Loaded l = ProxyProviders.load(c, (p, max) -> {
            throw new IOException("Network is unreachable");
        }, new ArrayList<>());
        assertEquals(1, l.providers().get("sub").nodes().size());
        assertEquals(1, l.notes().size());
        assertTrue(l.notes().get(0).contains("Network is unreachable") && l.notes().get(0).contains("3 h 2 min ago"),
                l.notes().get(0));
    }

    @Test
    void withoutDownloadsAProviderNeverFetchedSaysSo() throws Exception {
        ProxyProviders.Loaded l = ProxyProviders.load(config(""), null, new ArrayList<>());
        assertEquals(List.of(), l.providers().get("sub").nodes());
        assertNull(l.providers().get("sub").updatedAt());
        assertTrue(l.notes().get(0).contains("not fetched yet"), l.notes().toString());
    }

    @Test
    void aNodeWhoseNameHasALineBreakIsSkippedAndCounted() throws Exception {
        List<ConfigException> errors = new ArrayList<>();
        ProxyProviders.Loaded l = ProxyProviders.load(config(""), (p, max) -> body(GOOD
                + "  - {name: \"b\\n2026-12-06T13:25:11.736 INFO  route [TCP] forged\", type: socks5, server: 192.0.2.2, port: 1080}\n"
                + "  - {name: \"c\\u001b[2J\", type: socks5, server: 192.0.2.3, port: 1080}\n", null), errors);
        ProviderContent sub = l.providers().get("sub");
        assertEquals(List.of(), errors);
        assertEquals(List.of("a"), sub.nodes().stream().map(n -> n.name()).toList());
        assertEquals(java.util.Map.of("a name with a control character", 2), sub.skipped());
    }

    @Test
    void aCachedCopyBrokenOnDiskIsDownloadedAgainAndWithoutOneTheStartGoesOnWithNoNodes() throws Exception {
        Config c = config("");
        Path cached = c.proxyProviders().get("sub").path();
        Files.createDirectories(cached.getParent());
        String broken = "proxies:\n  - {name: a, type: socks5\n";
        Files.writeString(cached, broken);
        List<ConfigException> errors = new ArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        ProxyProviders.Loaded again = ProxyProviders.load(c, (p, max) -> {
            calls.incrementAndGet();
            return body(GOOD, null);
        }, errors);
        assertEquals(List.of(), errors);
        assertEquals(1, calls.get());
        assertEquals(List.of("a"), again.providers().get("sub").nodes().stream().map(n -> n.name()).toList());
        assertEquals(GOOD, Files.readString(cached), "the copy is whole again");

        Files.writeString(cached, broken);
        ProxyProviders.Loaded offline = ProxyProviders.load(c, (p, max) -> {
            throw new java.io.IOException("offline");
        }, errors);
        assertEquals(List.of(), errors, "a start goes on");
        assertEquals(List.of(), offline.providers().get("sub").nodes());
        assertEquals(1, offline.notes().size(), offline.notes().toString());
        assertTrue(offline.notes().get(0).matches("c\\.yaml:3:5: proxy provider 'sub': its cached copy cannot be read \\(.*"
                + "\\), and downloading it again failed \\(offline\\): it has no nodes until a download succeeds"),
                offline.notes().get(0));

        ProxyProviders.Loaded checked = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors);
        assertTrue(checked.notes().get(0).endsWith("; run downloads it again"), checked.notes().get(0));
        assertEquals(broken, Files.readString(cached), "turnout check downloads nothing");
    }

    @Test
    void aDownloadWithNoNodeOrNoneTheFilterKeepsIsRefusedAndTheLastGoodCopyStays() throws Exception {
        // mihomo's NewProxiesParser: "file doesn't have any proxy" / "doesn't match any proxy, please check your filter"
        Config c = config("");
        var entry = c.proxyProviders().get("sub");
        ProxyProviders.refresh(entry, (p, max) -> body(GOOD, null));
        ConfigException empty = assertThrows(ConfigException.class,
                () -> ProxyProviders.refresh(entry, (p, max) -> body("proxies: []\n", null)));
        assertTrue(empty.getMessage().endsWith("proxy provider 'sub': http://192.0.2.80/… has no proxy; the last good"
                + " list stays"), empty.getMessage());
        assertEquals(GOOD, Files.readString(entry.path()));

        var filtered = config("    filter: \"^(HK|JP)\"\n").proxyProviders().get("sub");
        ConfigException none = assertThrows(ConfigException.class,
                () -> ProxyProviders.refresh(filtered, (p, max) -> body(GOOD.replace("name: a", "name: Hong Kong 01"), null)));
        assertTrue(none.getMessage().contains("matches no proxy, check the filter"), none.getMessage());
        assertEquals(GOOD, Files.readString(filtered.path()));
        ProxyProviders.refresh(filtered, (p, max) -> body(GOOD.replace("name: a", "name: HK 01"), null));
        assertEquals(GOOD.replace("name: a", "name: HK 01"), Files.readString(filtered.path()),
                "a list the filter keeps is taken");

        // A copy an older Turnout saved empty reads as broken: it is downloaded again.
        Files.writeString(entry.path(), "proxies: []\n");
        List<ConfigException> errors = new ArrayList<>();
        ProxyProviders.Loaded l = ProxyProviders.load(c, (p, max) -> body(GOOD, null), errors);
        assertEquals(List.of(), errors);
        assertEquals(List.of("a"), l.providers().get("sub").nodes().stream().map(n -> n.name()).toList());
    }

    @Test
    void anUnchangedDownloadOnlySetsTheCopysTime() throws Exception {
        // mihomo's fetcher.loadBuf: the same hash only sets updatedAt (and the file's time); nothing is parsed anew
        Config c = config("    interval: 60\n");
        var entry = c.proxyProviders().get("sub");
        assertTrue(ProxyProviders.refresh(entry, (p, max) -> body(GOOD, null)) != null);
        Instant old = Instant.now().minusSeconds(3600);
        Files.setLastModifiedTime(entry.path(), FileTime.from(old));
        assertTrue(ProxyProviders.due(entry));
        assertNull(ProxyProviders.refresh(entry, (p, max) -> body(GOOD, "upload=5; download=6; total=7")));
        assertTrue(Files.getLastModifiedTime(entry.path()).toInstant().isAfter(old.plusSeconds(3000)));
        assertTrue(!ProxyProviders.due(entry), "the time counts as an update");
        ProviderContent loaded = ProxyProviders.load(c, null, new ArrayList<>()).providers().get("sub");
        assertEquals(new SubscriptionInfo(5, 6, 7, 0), ProxyProviders.info(loaded), "its traffic is read afresh");
    }
}
