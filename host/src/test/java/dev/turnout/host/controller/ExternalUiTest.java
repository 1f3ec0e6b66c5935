package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mihomo's external-ui download: where the dashboard goes, what a zip may hold, and what a failure leaves. */
class ExternalUiTest {

    @TempDir
    Path home;
    HttpServer server;
    /** What the server answers for /ui.zip: the bytes, or null for a 404. */
    volatile byte[] served;
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ui.zip", ex -> {
            byte[] body = served;
            ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/ui.zip";
    }

    static byte[] zip(Map<String, String> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                if (e.getValue() != null) {
                    z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                }
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static Map<String, String> entries(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(home)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".turnout-ui")).toList();
        }
    }

    private static Config parse(String yaml, Path home) throws Exception {
        return ConfigLoader.parse(yaml.replace("|", "\n"), "t.yaml", home.resolve("t.yaml"), home);
    }

    @Test
    void theFolderIsExternalUiWithItsNameAndTheUrlMetacubexdsUnlessWritten() throws Exception {
        assertNull(ExternalUi.of(parse("mixed-port: 7890", home), null), "no external-ui: Turnout's own page");
        ExternalUi named = ExternalUi.of(parse("external-ui: dash|external-ui-name: zash|external-ui-url: http://x/z.zip",
                home), "dash");
        assertEquals(home.resolve("dash/zash"), named.folder());
        assertEquals("http://x/z.zip", named.url());
        ExternalUi onlyName = ExternalUi.of(parse("external-ui-name: xd", home), null);
        assertEquals(home.resolve("ui/xd"), onlyName.folder(), "mihomo's default folder is ui");
        assertEquals(ExternalUi.METACUBEXD, onlyName.url());
        assertTrue(onlyName.missing());
    }

    @Test
    void aZipWithOneTopFolderGivesThatFolderAndAnotherReplacesItWhole() throws Exception {
        ExternalUi ui = new ExternalUi(home.resolve("ui"), url(), home);
        served = zip(entries("metacubexd-gh-pages/", null, "metacubexd-gh-pages/index.html", "<title>v1</title>",
                "metacubexd-gh-pages/assets/old.js", "old"));
        ui.download(progress::add);
        assertEquals("<title>v1</title>", Files.readString(home.resolve("ui/index.html")));
        assertTrue(Files.exists(home.resolve("ui/assets/old.js")));
        assertFalse(ui.missing());

        served = zip(entries("index.html", "<title>v2</title>", "assets/new.js", "new"));
        ui.download(progress::add);
        assertEquals("<title>v2</title>", Files.readString(home.resolve("ui/index.html")), "files at the top: kept as they are");
        assertFalse(Files.exists(home.resolve("ui/assets/old.js")), "the old dashboard's files are gone");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aFailedDownloadLeavesTheFolderAsItWasAndNothingBesideIt() throws Exception {
        ExternalUi ui = new ExternalUi(home.resolve("ui"), url(), home);
        served = zip(entries("index.html", "kept"));
        ui.download(progress::add);
        for (byte[] bad : new byte[][] {null, "<html>rate limited</html>".getBytes(StandardCharsets.UTF_8),
            zip(entries("../../escaped.html", "x")), zip(entries("/etc/passwd-like", "x")), zip(Map.of())}) {
            served = bad;
            assertThrows(IOException.class, () -> ui.download(progress::add));
            assertEquals("kept", Files.readString(home.resolve("ui/index.html")));
            assertEquals(List.of(), leftovers());
        }
        assertFalse(Files.exists(home.getParent().resolve("escaped.html")));
        served = new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0};
        IOException tgz = assertThrows(IOException.class, () -> ui.download(progress::add));
        assertTrue(tgz.getMessage().contains("give external-ui-url a .zip"), tgz.getMessage());
    }

    /** What a download killed half way leaves: the next one (at the next start) puts the old dashboard back first. */
    @Test
    void theNextDownloadTidiesWhatAStoppedOneLeftAndPutsTheDashboardItMovedAsideBack() throws Exception {
        ExternalUi ui = new ExternalUi(home.resolve("ui"), url(), home);
        Files.createDirectories(home.resolve(".turnout-ui-old-123"));
        Files.writeString(home.resolve(".turnout-ui-old-123/index.html"), "moved aside");
        Files.createDirectories(home.resolve(".turnout-ui-456/metacubexd-gh-pages"));
        Files.writeString(home.resolve(".turnout-ui-456/metacubexd-gh-pages/index.html"), "half unpacked");
        Files.writeString(home.resolve(".turnout-ui-download.zip"), "PK half");
        Files.writeString(home.resolve("keep.txt"), "not Turnout's");
        assertTrue(ui.missing());
        served = null; // the server is down this time
        assertThrows(IOException.class, () -> ui.download(progress::add));
        assertEquals("moved aside", Files.readString(home.resolve("ui/index.html")));
        assertEquals(List.of(), leftovers());
        assertEquals("not Turnout's", Files.readString(home.resolve("keep.txt")));

        Files.createDirectories(home.resolve(".turnout-ui-old-789"));
        served = zip(entries("index.html", "new"));
        ui.download(progress::add);
        assertEquals("new", Files.readString(home.resolve("ui/index.html")), "a folder there: the aside one just goes");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void anArchiveUnpackingBeyondTheLimitIsRefused() throws Exception {
        // One entry of zeros that compresses to almost nothing: the count is of what is written, not what is claimed.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            z.putNextEntry(new ZipEntry("bomb.bin"));
            byte[] zeros = new byte[1 << 20];
            for (long n = 0; n <= ExternalUi.MAX_UNPACKED_BYTES; n += zeros.length) {
                z.write(zeros);
            }
            z.closeEntry();
        }
        Path archive = Files.write(home.resolve("bomb.zip"), bytes.toByteArray());
        Path into = Files.createDirectories(home.resolve("into"));
        IOException e = assertThrows(IOException.class, () -> ExternalUi.unpack(archive, into));
        assertTrue(e.getMessage().contains("unpacks to more than"), e.getMessage());
    }
}
