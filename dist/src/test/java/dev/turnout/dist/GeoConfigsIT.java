package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.api.testing.CountryDatabase;
import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.rules.Acl4ssr;
import dev.turnout.rules.RuleLine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Real users' configs with GEOIP, run by the packaged Turnout: Loyalsoldier's README config unchanged and ACL4SSR's
 * full template expanded as subconverter does, each in a home folder holding the real country database test-deps.sh
 * built and the rule providers' files from ../shared/rulesets where the config's {@code path:} says. check accepts
 * them; run serves through them in a namespace of its own; match gives GEOIP's decisions.
 */
class GeoConfigsIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));
    static final Path SHARED = Path.of(System.getProperty("turnout.repo")).resolve("../shared").normalize();
    /** In the pinned GeoLite2 data China's, and in none of Loyalsoldier's or ACL4SSR's CIDR lists. */
    static final String CN_ONLY_BY_GEOIP = "5.180.245.1";

    @TempDir
    Path home;

    /** Loyalsoldier's README config as it is, with its providers' files where its paths point. */
    private Path loyalsoldier() throws Exception {
        Path config = SHARED.resolve("configs/loyalsoldier-readme-config.yaml");
        Path sets = SHARED.resolve("rulesets/loyalsoldier-clash-rules");
        assumeTrue(Files.exists(config) && Files.exists(sets), () -> "skipped: ../shared has no " + config);
        Path copy = home.resolve("config.yaml");
        Files.copy(config, copy);
        Pattern provider = Pattern.compile("url: \"[^\"]*/([^/\"]+)\"\\s+path: (\\S+)");
        Matcher m = provider.matcher(Files.readString(config));
        int placed = 0;
        while (m.find()) {
            Path to = home.resolve(m.group(2)).normalize();
            Files.createDirectories(to.getParent());
            Path from = sets.resolve(m.group(1));
            if (Files.exists(from)) {
                Files.copy(from, to);
                placed++;
            } else {
                Files.writeString(to, "payload: []\n"); // reject.txt is not in ../shared: an empty list, no download
            }
        }
        assertEquals(12, placed);
        Files.createSymbolicLink(home.resolve("Country.mmdb"), CountryDatabase.required());
        return copy;
    }

    private Path acl4ssr() throws Exception {
        Path sets = SHARED.resolve("rulesets/acl4ssr");
        assumeTrue(Files.exists(sets), () -> "skipped: ../shared has no " + sets);
        Acl4ssr.Expansion expansion = Acl4ssr.expandWithGeoIp(sets);
        List<Map<String, Object>> groups = new ArrayList<>();
        for (String g : expansion.groups()) {
            groups.add(Map.of("name", g, "type", "select", "proxies", List.of("DIRECT")));
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("mixed-port", 7890);
        config.put("proxy-groups", groups);
        config.put("rules", expansion.rules().stream().map(RuleLine::text).toList());
        assertTrue(expansion.rules().stream().anyMatch(r -> r.text().startsWith("GEOIP,CN,")), expansion.rules().toString());
        DumperOptions options = new DumperOptions();
        options.setAllowUnicode(true);
        Path file = home.resolve("config.yaml");
        Files.writeString(file, new Yaml(options).dump(config), StandardCharsets.UTF_8);
        Files.createSymbolicLink(home.resolve("Country.mmdb"), CountryDatabase.required());
        return file;
    }

    private static void checkAccepts(Path config, String geoIpLines) throws Exception {
        Netns.Result r = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().matches("(?s).*\n  GEOIP +" + geoIpLines + "\n.*"), r.stdout());
        assertTrue(r.stdout().endsWith("OK\n"), r.stdout());
        assertTrue(!r.stdout().contains("Country.mmdb"), "the database is there: nothing to download\n" + r.stdout());
    }

    /** {@code turnout match} in an empty namespace (names resolve to nothing, nothing leaves). */
    private List<String> match(Path config, String queries) throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Path in = home.resolve("queries.txt");
        Path out = home.resolve("decisions.tsv");
        Files.writeString(in, queries, StandardCharsets.UTF_8);
        try (Netns ns = Netns.create("tgeom")) {
            Netns.Result r = ns.run(Duration.ofSeconds(120), "bash", "-c", "\"$0\" match -c \"$1\" < \"$2\" > \"$3\"",
                    DIST.resolve("bin/turnout").toString(), config.toString(), in.toString(), out.toString());
            assertEquals(0, r.exitCode(), r.stderr());
        }
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    /** Runs Turnout on {@code config} in a namespace and fetches a page through its mixed port. */
    private String runAndFetch(Path config, int mixedPort) throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Required.nothingMissing(Daemons.missing("curl"));
        Path log = home.resolve("turnout.log");
        try (Netns ns = Netns.create("tgeor")) {
            ns.spawn(home.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                    "--pid-file", home.resolve("pid").toString());
            ns.awaitTcpPort(mixedPort, Duration.ofSeconds(60));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--proxy",
                    "http://127.0.0.1:" + mixedPort, "http://127.0.0.1:8080/geo");
            assertEquals(0, r.exitCode(), r.stderr() + MixedPortIT.read(log));
            assertEquals("hello /geo from 127.0.0.1\n", r.stdout());
        }
        return MixedPortIT.read(log);
    }

    @Test
    void loyalsoldiersReadmeConfigChecksRunsAndDecidesByCountry() throws Exception {
        Path config = loyalsoldier();
        checkAccepts(config, "2");
        assertEquals(List.of(
                CN_ONLY_BY_GEOIP + "\tDIRECT\tGEOIP,CN",
                "1.0.1.1\tDIRECT\tRULE-SET,cncidr",
                "8.8.8.8\tPROXY\tMATCH",
                "192.168.1.1\tDIRECT\tRULE-SET,lancidr"),
                match(config, CN_ONLY_BY_GEOIP + "\n1.0.1.1\n8.8.8.8\n192.168.1.1\n"));
        String log = runAndFetch(config, 7891);
        assertTrue(log.contains("--> 127.0.0.1:8080 match RULE-SET,lancidr using DIRECT"), log);
        assertTrue(!log.contains("downloading"), log);
    }

    /**
     * A GeoSite.dat (v2ray's protobuf: GeoSiteList { repeated GeoSite entry = 1 }, GeoSite { country_code = 1;
     * repeated Domain domain = 2 }, Domain { type = 1 (2: a domain and its subdomains); value = 2 }).
     */
    private static byte[] geoSite(String list, String... domains) throws Exception {
        java.io.ByteArrayOutputStream site = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(site);
        out.writeString(1, list);
        for (String d : domains) {
            java.io.ByteArrayOutputStream domain = new java.io.ByteArrayOutputStream();
            com.google.protobuf.CodedOutputStream dout = com.google.protobuf.CodedOutputStream.newInstance(domain);
            dout.writeEnum(1, 2);
            dout.writeString(2, d);
            dout.flush();
            out.writeByteArray(2, domain.toByteArray());
        }
        out.flush();
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream wout = com.google.protobuf.CodedOutputStream.newInstance(whole);
        wout.writeByteArray(1, site.toByteArray());
        wout.flush();
        return whole.toByteArray();
    }

    /** The packaged Turnout read GeoSite.dat without protobuf-java in its lib/: every GEOSITE config died at start. */
    @Test
    void aGeoSiteListDecidesByNameInMatchAndRun() throws Exception {
        Files.write(home.resolve("GeoSite.dat"), geoSite("test-ads", "ads.test"));
        Path config = home.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7893", "rules:", "  - GEOSITE,test-ads,REJECT",
                "  - MATCH,DIRECT", ""), StandardCharsets.UTF_8);
        assertEquals(List.of("x.ads.test\tREJECT\tGEOSITE,test-ads", "ads.example\tDIRECT\tMATCH"),
                match(config, "x.ads.test\nads.example\n"));
        String log = runAndFetch(config, 7893);
        assertTrue(log.contains("--> 127.0.0.1:8080 match MATCH using DIRECT"), log);
    }

    @Test
    void aMissingCountryDatabaseIsDownloadedAtStartAndWithoutItRunRefusesNamingFileAndUrl() throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Path served = Files.createDirectories(home.resolve("served"));
        Files.copy(CountryDatabase.required(), served.resolve("Country.mmdb"));
        Path folder = Files.createDirectories(home.resolve("turnout"));
        Path config = folder.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7892",
                "geox-url: {mmdb: 'http://127.0.0.1:8081/Country.mmdb'}",
                "rules:", "  - GEOIP,LAN,DIRECT", "  - GEOIP,CN,REJECT", "  - MATCH,DIRECT", ""));
        try (Netns ns = Netns.create("tgeod")) {
            Netns.Result refused = ns.run(Duration.ofSeconds(60), DIST.resolve("bin/turnout").toString(), "run", "-c",
                    config.toString(), "--pid-file", home.resolve("pid").toString());
            assertEquals(2, refused.exitCode(), refused.stdout() + refused.stderr());
            assertTrue(refused.stderr().contains(config + ":5:5: GEOIP,CN: Country.mmdb is not in " + folder
                    + " and downloading it from http://127.0.0.1:8081/Country.mmdb failed ("), refused.stderr());
            assertTrue(!Files.exists(folder.resolve("Country.mmdb")));

            ns.spawn(home.resolve("files.log"), Daemons.peer("files", "8081", served.toString()));
            ns.awaitTcpPort(8081, Duration.ofSeconds(20));
            Path log = home.resolve("turnout.log");
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                    "--pid-file", home.resolve("pid").toString());
            ns.awaitTcpPort(7892, Duration.ofSeconds(60));
            String text = MixedPortIT.read(log);
            assertTrue(text.contains("downloading Country.mmdb from http://127.0.0.1:8081/Country.mmdb ("), text);
            assertTrue(text.contains("downloaded Country.mmdb ("), text);
            assertEquals(Files.size(served.resolve("Country.mmdb")), Files.size(folder.resolve("Country.mmdb")));
        }
        assertEquals(List.of(CN_ONLY_BY_GEOIP + "\tREJECT\tGEOIP,CN", "10.1.2.3\tDIRECT\tGEOIP,LAN"),
                match(config, CN_ONLY_BY_GEOIP + "\n10.1.2.3\n"));
    }

    /**
     * Ctrl-C or a SIGTERM while the first start downloads the country database (minutes on a slow link) ends the
     * run at once: before, the stop waited for the start (30 s at most, then the JVM exited around the download,
     * leaving its partial file), or for the download to fail, and then printed that failure as a config error.
     */
    @Test
    void aStopWhileTheStartDownloadsEndsTheRunAtOnceAndLeavesNoPartialFile() throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Path folder = Files.createDirectories(home.resolve("turnout"));
        Path config = folder.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7893",
                "geox-url: {mmdb: 'http://127.0.0.1:8082/Country.mmdb'}",
                "rules:", "  - GEOIP,CN,DIRECT", "  - MATCH,DIRECT", ""));
        try (Netns ns = Netns.create("tgeos")) {
            // 1 KiB every 100 ms: 60 s for the whole "database".
            ns.spawn(home.resolve("drip.log"), Daemons.peer("drip", "8082", "600", "100"));
            ns.awaitTcpPort(8082, Duration.ofSeconds(20));
            Path log = home.resolve("turnout.log");
            Process p = ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                    "--pid-file", home.resolve("pid").toString());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!MixedPortIT.read(log).contains("downloading Country.mmdb") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(MixedPortIT.read(log).contains("downloading Country.mmdb"), MixedPortIT.read(log));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "still running 10 s after SIGTERM:\n" + MixedPortIT.read(log));
            String text = MixedPortIT.read(log);
            assertEquals(0, p.exitValue(), text);
            assertTrue(text.contains("stopping before anything was opened"), text);
            assertFalse(text.contains("failed"), text);
            assertEquals(List.of(), ns.instanceLocks(), text);
            try (var files = Files.list(folder)) {
                assertEquals(List.of("config.yaml"), files.map(f -> f.getFileName().toString()).toList(),
                        "left in the config's folder");
            }
            assertFalse(Files.exists(home.resolve("pid")));
        }
    }

    /**
     * A country database served for download in {@code served/} and held, {@code age} old, in the config's folder
     * {@code turnout/}; returns the held copy's time. Skips without namespaces or curl.
     */
    private java.nio.file.attribute.FileTime heldAndServed(Duration age) throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Required.nothingMissing(Daemons.missing("curl"));
        Files.copy(CountryDatabase.required(), Files.createDirectories(home.resolve("served")).resolve("Country.mmdb"));
        Path held = Files.createDirectories(home.resolve("turnout")).resolve("Country.mmdb");
        Files.copy(CountryDatabase.required(), held);
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(age));
        Files.setLastModifiedTime(held, old);
        return old;
    }

    @Test
    void geoAutoUpdateFetchesADatabaseOlderThanItsIntervalAndReloadsWhileServing() throws Exception {
        java.nio.file.attribute.FileTime old = heldAndServed(Duration.ofHours(30));
        Path served = home.resolve("served");
        Path folder = home.resolve("turnout");
        Path config = folder.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7893",
                "geox-url: {mmdb: 'http://127.0.0.1:8081/Country.mmdb'}", "geo-auto-update: true",
                "geo-update-interval: 24", "rules:", "  - GEOIP,CN,REJECT", "  - MATCH,DIRECT", ""));
        Path log = home.resolve("turnout.log");
        try (Netns ns = Netns.create("tgeou")) {
            ns.spawn(home.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.spawn(home.resolve("files.log"), Daemons.peer("files", "8081", served.toString()));
            ns.awaitTcpPort(8081, Duration.ofSeconds(20));
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                    "--pid-file", home.resolve("pid").toString());
            ns.awaitTcpPort(7893, Duration.ofSeconds(60));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!MixedPortIT.read(log).contains("reloaded ") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            String text = MixedPortIT.read(log);
            assertTrue(text.contains("geo databases refresh every 24 h (next in 0 s)"), text);
            assertTrue(text.contains("downloaded Country.mmdb ("), text);
            assertTrue(text.contains("reloaded " + config), text);
            assertTrue(Files.getLastModifiedTime(folder.resolve("Country.mmdb")).compareTo(old) > 0);
            Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--proxy",
                    "http://127.0.0.1:7893", "http://127.0.0.1:8080/after");
            assertEquals("hello /after from 127.0.0.1\n", r.stdout(), r.stderr() + MixedPortIT.read(log));
        }
    }

    @Test
    void aDashboardsGeoUpdateDownloadsTheDatabasesInUseAndReloadsAndNamesAFailedOne() throws Exception {
        java.nio.file.attribute.FileTime old = heldAndServed(Duration.ofHours(1));
        Path served = home.resolve("served");
        Path folder = home.resolve("turnout");
        Path config = folder.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7894", "external-controller: 127.0.0.1:9094",
                "geox-url: {mmdb: 'http://127.0.0.1:8081/Country.mmdb'}", "rules:", "  - GEOIP,CN,REJECT",
                "  - MATCH,DIRECT", ""));
        Path log = home.resolve("turnout.log");
        try (Netns ns = Netns.create("tgeop")) {
            ns.spawn(home.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.spawn(home.resolve("files.log"), Daemons.peer("files", "8081", served.toString()));
            ns.awaitTcpPort(8081, Duration.ofSeconds(20));
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString());
            ns.awaitTcpPort(9094, Duration.ofSeconds(60));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            dev.turnout.dist.controller.Api api = new dev.turnout.dist.controller.Api(ns, 9094, null);
            dev.turnout.dist.controller.Api.Response updated = api.call("POST", "/configs/geo", "");
            assertEquals(204, updated.status(), updated + MixedPortIT.read(log));
            String text = MixedPortIT.read(log);
            assertTrue(text.contains("downloaded Country.mmdb ("), text);
            assertTrue(text.contains("reloaded " + config), text);
            assertTrue(Files.getLastModifiedTime(folder.resolve("Country.mmdb")).compareTo(old) > 0);

            // A download that is no database: named in the answer, the one in use kept, flows routed as before.
            Files.writeString(served.resolve("Country.mmdb"), "<html>rate limited</html>");
            long size = Files.size(folder.resolve("Country.mmdb"));
            // mihomo's other address for it (/upgrade/geo) does the same.
            dev.turnout.dist.controller.Api.Response failed = api.call("POST", "/upgrade/geo", "");
            assertEquals(503, failed.status(), failed.toString());
            assertTrue(failed.body().contains("Country.mmdb could not be downloaded from http://127.0.0.1:8081/"
                    + "Country.mmdb ("), failed.body());
            assertEquals(size, Files.size(folder.resolve("Country.mmdb")));
            Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--proxy",
                    "http://127.0.0.1:7894", "http://127.0.0.1:8080/after");
            assertEquals("hello /after from 127.0.0.1\n", r.stdout(), r.stderr() + MixedPortIT.read(log));
        }
    }

    @Test
    void acl4ssrsFullTemplateWithItsGeoIpLineChecksRunsAndDecidesByCountry() throws Exception {
        Path config = acl4ssr();
        checkAccepts(config, "1");
        assertEquals(List.of(
                CN_ONLY_BY_GEOIP + "\t🎯 全球直连\tGEOIP,CN",
                "192.168.1.1\t🎯 全球直连\tIP-CIDR,192.168.0.0/16",
                "203.0.113.9\t🐟 漏网之鱼\tMATCH"),
                match(config, CN_ONLY_BY_GEOIP + "\n192.168.1.1\n203.0.113.9\n"));
        String log = runAndFetch(config, 7890);
        assertTrue(log.contains("--> 127.0.0.1:8080 match IP-CIDR,127.0.0.0/8 using"), log);
    }
}
