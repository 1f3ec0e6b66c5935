package dev.turnout.host.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Redirects, which {@link Download} follows itself (a local HTTP server sends them), and its time limit. */
class DownloadTest {

    @TempDir
    Path dir;

    private HttpServer server;
    private String base;
    private final List<String> lines = new ArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // /hop/N answers a redirect to /hop/N-1 (relative), /hop/0 the file; /bad a Location that is not a URL.
        server.createContext("/hop/", exchange -> {
            int n = Integer.parseInt(exchange.getRequestURI().getPath().substring("/hop/".length()));
            if (n > 0) {
                exchange.getResponseHeaders().add("Location", Integer.toString(n - 1));
                exchange.sendResponseHeaders(n % 2 == 0 ? 302 : 301, -1);
                exchange.close();
                return;
            }
            byte[] body = "arrived\n".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/bad", exchange -> {
            exchange.getResponseHeaders().add("Location", "http://[nowhere");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * A rule provider's URL is written as its scheme, host and port, as a subscription's (the lifecycle tester's F8:
     * `?token=` was printed in full in the run log).
     */
    @Test
    void aRedactedUrlsPathAndQueryAreLeftOutOfWhatItSays() throws Exception {
        List<String> lines = new ArrayList<>();
        Download.fetch(base + "/hop/1?token=RPTOKEN", true, dir.resolve("set.yaml"), 1024, java.time.Duration.ofSeconds(30),
                f -> { }, lines::add);
        assertEquals("downloading set.yaml from " + base + "/… (0.0 MB)", lines.get(0));
        assertTrue(lines.stream().noneMatch(l -> l.contains("RPTOKEN")), lines.toString());
        IOException e = assertThrows(IOException.class, () -> Download.fetch(base + "/none?token=RPTOKEN", true,
                dir.resolve("other.yaml"), 1024, java.time.Duration.ofSeconds(30), f -> { }, lines::add));
        assertEquals("HTTP 404 from " + base + "/…", e.getMessage());
        e = assertThrows(IOException.class, () -> Download.fetch(base + "/hop/6?token=RPTOKEN", true,
                dir.resolve("third.yaml"), 1024, java.time.Duration.ofSeconds(30), f -> { }, lines::add));
        assertEquals("more than 5 redirects from " + base + "/…", e.getMessage());
    }

    @Test
    void redirectsAreFollowedUpToFive() throws Exception {
        Path file = dir.resolve("set.yaml");
        Download.fetch(base + "/hop/5", file, 1024, f -> { }, lines::add);
        assertEquals("arrived\n", Files.readString(file));
        assertEquals("downloading set.yaml from " + base + "/hop/5 (0.0 MB)", lines.get(0));
    }

    @Test
    void aSixthRedirectIsRefusedAndNothingIsLeftBehind() throws Exception {
        IOException e = assertThrows(IOException.class, () -> Download.fetch(base + "/hop/6", dir.resolve("set.yaml"),
                1024, f -> { }, lines::add));
        assertEquals("more than 5 redirects from " + base + "/hop/6", e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void aFailedDownloadRemovesTheFoldersItMadeAndOnlyThose() throws Exception {
        assertThrows(IOException.class, () -> Download.fetch(base + "/hop/6", dir.resolve("ruleset/a/set.yaml"),
                1024, f -> { }, lines::add));
        assertEquals(List.of(), files(), "ruleset/a/ was made for the file and goes with it");

        Files.createDirectories(dir.resolve("ruleset"));
        Files.writeString(dir.resolve("ruleset/other.yaml"), "another provider's");
        assertThrows(IOException.class, () -> Download.fetch(base + "/hop/6", dir.resolve("ruleset/b/set.yaml"),
                1024, f -> { }, lines::add));
        try (Stream<Path> s = Files.list(dir.resolve("ruleset"))) {
            assertEquals(List.of("other.yaml"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aRedirectToWhatIsNotAUrlIsNamed() throws Exception {
        IOException e = assertThrows(IOException.class, () -> Download.fetch(base + "/bad", dir.resolve("set.yaml"),
                1024, f -> { }, lines::add));
        assertEquals(base + "/bad redirects to 'http://[nowhere', which is not a URL", e.getMessage());
        assertEquals(List.of(), files());
    }

    @Test
    void aFolderThatCannotBeMadeIsSaidAsTheReasonNotAsABarePath() throws Exception {
        Files.writeString(dir.resolve("blocker"), "a file where the folder should be");
        Path file = dir.resolve("blocker").resolve("set.yaml");
        IOException e = assertThrows(IOException.class, () -> Download.fetch(base + "/hop/0", file, 1024, f -> { },
                lines::add));
        assertEquals("cannot save it: " + dir.resolve("blocker") + ": already exists", e.getMessage());
        assertEquals(List.of(), lines, "nothing was downloaded");
    }

    @Test
    void aCopyThatCannotBeReplacedIsSaidWithTheReason() throws Exception {
        Path file = dir.resolve("set.yaml");
        Files.createDirectories(file);
        Files.writeString(file.resolve("inside"), "a folder, not empty, where the copy goes");
        IOException e = assertThrows(IOException.class, () -> Download.fetch(base + "/hop/0", file, 1024, f -> { },
                lines::add));
        // The system gives this one's reason itself: what changes is that it is said as keeping, not fetching.
        assertTrue(e.getMessage().startsWith("cannot save it: ") && e.getMessage().endsWith(file + ": Is a directory"),
                e.getMessage());
        assertEquals(List.of("set.yaml"), files(), "no partial copy left");
    }

    /**
     * A server that answers {@code start}, then drips {@code drip} every 200 ms (well under the read timeout) for
     * 20 s at most; the download must give up at its time limit, with nothing left behind.
     */
    private void dripped(String start, String drip) throws Exception {
        try (java.net.ServerSocket slow = new java.net.ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (java.net.Socket s = slow.accept(); OutputStream out = s.getOutputStream()) {
                    out.write(start.getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 100; i++) {
                        out.flush();
                        Thread.sleep(200);
                        out.write(drip.getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException | InterruptedException hungUp) {
                    // the client gave up: what this test wants
                }
            });
            server.setDaemon(true);
            server.start();
            long t0 = System.nanoTime();
            String url = "http://127.0.0.1:" + slow.getLocalPort() + "/set.yaml";
            IOException e = assertThrows(IOException.class, () -> Download.fetch(url, dir.resolve("set.yaml"), 1 << 20,
                    java.time.Duration.ofSeconds(1), f -> { }, lines::add));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(url + " took longer than the 1 s allowed", e.getMessage());
            assertTrue(ms >= 1000 && ms < 5000, ms + " ms");
            assertEquals(List.of(), files());
            server.interrupt();
        }
    }

    @Test
    void headersSentAByteAtATimeAreCutAtTheTimeLimit() throws Exception {
        dripped("HTTP/1.1 200 OK\r\n", "X: y\r\n");
    }

    @Test
    void aBodySentAByteAtATimeIsCutAtTheTimeLimit() throws Exception {
        dripped("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", "a");
    }

    @Test
    void aBodyWithoutLengthSentAByteAtATimeIsCutAtTheTimeLimit() throws Exception {
        dripped("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", "a");
    }

    @Test
    void anHttpsServerIsCheckedAgainstTheCertificatesOfSslCertFileAsSubscriptionsAre() throws Exception {
        dev.turnout.api.testing.TestCertificates certs = dev.turnout.api.testing.TestCertificates.issue(dir, "localhost");
        io.netty.handler.ssl.SslContext tls = io.netty.handler.ssl.SslContextBuilder.forServer(
                certs.certificate().toFile(), certs.privateKey().toFile()).build();
        io.netty.channel.EventLoopGroup loops = dev.turnout.host.dial.Transport.newGroup(1, "download-test-tls");
        String before = Download.trustFile;
        try {
            io.netty.channel.Channel listening = dev.turnout.host.testing.TlsAnswers.listen(loops, tls,
                    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", true);
            String url = "https://localhost:" + ((InetSocketAddress) listening.localAddress()).getPort() + "/set.txt";
            Path file = dir.resolve("set.txt");
            Download.trustFile = null;
            IOException untrusted = assertThrows(IOException.class,
                    () -> Download.fetch(url, file, 1024, f -> { }, lines::add));
            assertTrue(untrusted.getMessage().contains("PKIX"), untrusted.getMessage());
            Download.trustFile = certs.caCertificate().toString();
            Download.fetch(url, file, 1024, f -> { }, lines::add);
            assertEquals("hello", Files.readString(file));
            listening.close().sync();
        } finally {
            Download.trustFile = before;
            loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
