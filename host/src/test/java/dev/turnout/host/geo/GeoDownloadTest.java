package dev.turnout.host.geo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.turnout.host.files.Download;
import dev.turnout.rules.RuleException;
import dev.turnout.rules.RuleSet;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database a rule needs and the home folder lacks: downloaded (from a local HTTP server) or named when it cannot be. */
class GeoDownloadTest {

    @TempDir
    Path home;

    @TempDir
    Path served;

    private HttpServer server;
    private String base;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> lines = new ArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            Path file = served.resolve(exchange.getRequestURI().getPath().substring(1));
            if (!Files.exists(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            byte[] body = Files.readAllBytes(file);
            // A .chunked file is sent without a length, so only counting while reading can bound it.
            exchange.sendResponseHeaders(200, file.toString().endsWith(".chunked") ? 0 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        // The 200 head, then a byte every 300 ms: progress, never done.
        server.createContext("/trickle/", exchange -> {
            exchange.sendResponseHeaders(200, 1_000_000);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 200; i++) {
                    out.write('x');
                    out.flush();
                    Thread.sleep(300);
                }
            } catch (IOException | InterruptedException e) {
                // the client gave up
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HomeGeoData running(String url) {
        return new HomeGeoData(GeoFiles.options(false, url), home, true, lines::add, lines::add);
    }

    private List<String> homeFiles() throws IOException {
        try (Stream<Path> s = Files.list(home)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aMissingCountryDatabaseIsDownloadedOnceWithProgressLines() throws Exception {
        GeoFiles.mmdb(served.resolve("Country.mmdb"), "GeoIP2-Country",
                Map.of("198.51.100.0/24", "{ country => { iso_code => 'CN' } }"));
        RuleSet s = GeoFiles.compile(running(base), "GEOIP,CN,PROXY", "GEOIP,US,PROXY");
        assertEquals(List.of("Country.mmdb"), homeFiles());
        assertEquals(Files.size(served.resolve("Country.mmdb")), Files.size(home.resolve("Country.mmdb")));
        assertEquals(1, requests.get());
        assertTrue(lines.get(0).startsWith("downloading Country.mmdb from " + base + "/Country.mmdb ("), lines.toString());
        assertTrue(lines.get(lines.size() - 1).startsWith("downloaded Country.mmdb ("), lines.toString());
        assertEquals(0, s.decide(new dev.turnout.rules.Query(dev.turnout.rules.Network.TCP, null,
                InetAddress.getByName("198.51.100.9"), 443, null, 0, null), dev.turnout.rules.NameResolver.NONE).index());
        GeoFiles.compile(running(base), "GEOIP,CN,PROXY");
        assertEquals(1, requests.get(), "present now: not downloaded again");
    }

    @Test
    void aPartialFileAKilledRunLeftIsRemovedByTheNextDownloadButOneBeingWrittenIsNot() throws Exception {
        GeoFiles.mmdb(served.resolve("Country.mmdb"), "GeoIP2-Country",
                Map.of("198.51.100.0/24", "{ country => { iso_code => 'CN' } }"));
        Path killed = Files.writeString(home.resolve("Country.mmdb8834512066720151234.part"), "half a database");
        Files.setLastModifiedTime(killed, java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(dev.turnout.host.files.TornCopies.ABANDONED_DOWNLOAD).minusSeconds(60)));
        Path writing = Files.writeString(home.resolve("Country.mmdb1204.part"), "another run's, in progress");
        GeoFiles.compile(running(base), "GEOIP,CN,PROXY");
        assertEquals(List.of("Country.mmdb", "Country.mmdb1204.part"), homeFiles());
    }

    @Test
    void geositeAndAsnAreDownloadedToo() throws Exception {
        Files.write(served.resolve("geosite.dat"), GeoFiles.geosite(Map.of("cn", List.of(new GeoFiles.Domain(2, "cn")))));
        GeoFiles.mmdb(served.resolve("GeoLite2-ASN.mmdb"), "GeoLite2-ASN",
                Map.of("198.51.100.0/24", "{ autonomous_system_number => 64500 }"));
        GeoFiles.compile(running(base), "GEOSITE,cn,PROXY", "IP-ASN,64500,PROXY");
        assertEquals(List.of("GeoLite2-ASN.mmdb", "GeoSite.dat"), homeFiles());
    }

    @Test
    void aServerThatTricklesAMissingDatabaseIsGivenUpAtTheStartsBoundNotTenMinutes() {
        HomeGeoData geo = new HomeGeoData(GeoFiles.options(false, base + "/trickle"), home, true, lines::add,
                lines::add, java.time.Duration.ofSeconds(2));
        RuleException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(15),
                () -> assertThrows(RuleException.class, () -> GeoFiles.compile(geo, "GEOIP,CN,PROXY")));
        assertTrue(e.getMessage().contains("took longer than the 2 s allowed"), e.getMessage());
    }

    @Test
    void offlineTheErrorNamesTheFileTheFolderAndTheUrl() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed;
        RuleException e = assertThrows(RuleException.class,
                () -> GeoFiles.compile(running(url), "DOMAIN,a.example,PROXY", "GEOIP,CN,PROXY", "GEOIP,JP,PROXY"));
        assertTrue(e.getMessage().startsWith("config.yaml:21:5: GEOIP,CN: Country.mmdb is not in " + home
                + " and downloading it from " + url + "/Country.mmdb failed ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("); put the file there or set geox-url"), e.getMessage());
        assertEquals(1, e.problems().size(), "one problem, not one per GEOIP rule");
        assertEquals(List.of(), homeFiles());
    }

    @Test
    void whatIsNotADatabaseIsRefusedAndNothingIsLeftBehind() throws Exception {
        Files.writeString(served.resolve("Country.mmdb"), "<html>a captive portal</html>");
        RuleException e = assertThrows(RuleException.class, () -> GeoFiles.compile(running(base), "GEOIP,CN,PROXY"));
        assertTrue(e.getMessage().contains("what it sent is not a MaxMind database"), e.getMessage());
        RuleException missing = assertThrows(RuleException.class, () -> GeoFiles.compile(running(base), "GEOSITE,cn,PROXY"));
        assertTrue(missing.getMessage().contains("(HTTP 404 from " + base + "/geosite.dat)"), missing.getMessage());
        assertEquals(List.of(), homeFiles());
    }

    @Test
    void autoUpdateReplacesTheDatabasesTheHomeFolderHoldsAndKeepsThemWhenItCannot() throws Exception {
        GeoFiles.mmdb(home.resolve("Country.mmdb"), "GeoIP2-Country",
                Map.of("198.51.100.0/24", "{ country => { iso_code => 'JP' } }"));
        GeoFiles.mmdb(served.resolve("Country.mmdb"), "GeoIP2-Country",
                Map.of("198.51.100.0/24", "{ country => { iso_code => 'CN' } }"));
        List<String> problems = new ArrayList<>();
        assertEquals(1, HomeGeoData.refresh(GeoFiles.options(false, base), home, lines::add, problems::add));
        assertEquals("CN", MmdbDatabase.open(home.resolve("Country.mmdb")).country(InetAddress.getByName("198.51.100.1")));
        assertEquals(List.of("Country.mmdb"), homeFiles(), "only what was there is refreshed");
        assertEquals(List.of(), problems);
        Files.writeString(served.resolve("Country.mmdb"), "garbage");
        assertEquals(0, HomeGeoData.refresh(GeoFiles.options(false, base), home, lines::add, problems::add));
        assertEquals("CN", MmdbDatabase.open(home.resolve("Country.mmdb")).country(InetAddress.getByName("198.51.100.1")));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("geo update: Country.mmdb could not be downloaded from " + base
                + "/Country.mmdb (what it sent is not a MaxMind database"), problems.get(0));
        assertEquals(List.of("Country.mmdb"), homeFiles());
    }

    @Test
    void aDownloadLargerThanAllowedIsRefusedBeforeItIsKept() throws Exception {
        Files.write(served.resolve("big.dat"), new byte[100_000]);
        IOException e = assertThrows(IOException.class, () -> Download.fetch(base + "/big.dat",
                home.resolve("GeoSite.dat"), 50_000, f -> { }, lines::add));
        assertEquals(base + "/big.dat is 100,000 bytes, more than the 50,000 bytes allowed", e.getMessage());
        Files.write(served.resolve("big.chunked"), new byte[100_000]);
        IOException chunked = assertThrows(IOException.class, () -> Download.fetch(base + "/big.chunked",
                home.resolve("GeoSite.dat"), 50_000, f -> { }, lines::add));
        assertEquals(base + "/big.chunked sent more than the 50,000 bytes allowed", chunked.getMessage());
        assertEquals(List.of(), homeFiles());
    }
}
