package dev.turnout.host.files;

import dev.turnout.host.provider.SubscriptionUrl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLConnection;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Downloads a file Turnout keeps in its home folder (a geo database, a dashboard's archive): to a temporary file
 * beside its place, checked, then renamed over it, so that a reader never sees half a file and a failed download
 * leaves nothing behind. Bounded in size, in time without progress and in time overall; follows a few redirects;
 * says what it does in progress lines (start, every few seconds, end).
 */
public final class Download {

    /** The largest database accepted: the full GeoSite.dat and GeoIP.dat are about 10 and 20 MB. */
    public static final long MAX_BYTES = 128L * 1024 * 1024;
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** A read that waits longer than this for a single byte fails the download. */
    static final int READ_TIMEOUT_MILLIS = 30_000;
    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;
    static final int MAX_REDIRECTS = 5;
    /**
     * How long a large file (a geo database, a dashboard) may take in all: 128 MB at 2 Mbit/s. Without a limit, a
     * server that sends a byte every 29 s (under the read timeout) would hold a download, and a start, for good.
     */
    public static final Duration LARGE_FILE_TIME = Duration.ofMinutes(10);

    /** What makes a downloaded file acceptable (it opens as the database it should be). */
    @FunctionalInterface
    public interface Check {
        void accept(Path file) throws IOException;
    }

    private Download() {
    }

    public static void fetch(String url, Path path, long maxBytes, Check check, Consumer<String> progress) throws IOException {
        fetch(url, path, maxBytes, LARGE_FILE_TIME, check, progress);
    }

    /**
     * As {@link #fetch(String, Path, long, Check, Consumer)}, failing once {@code time} has passed: while the answer's
     * headers are awaited the connection is cut then; while its body is read, at the next byte or read timeout.
     */
    public static void fetch(String url, Path path, long maxBytes, Duration time, Check check, Consumer<String> progress)
            throws IOException {
        fetch(url, false, path, maxBytes, time, check, progress);
    }

    /**
     * As {@link #fetch(String, Path, long, Duration, Check, Consumer)}; with {@code redact} its messages write the
     * URL as its scheme, host and port only, as a subscription's: a rule provider's path or query may be its token.
     */
    public static void fetch(String url, boolean redact, Path path, long maxBytes, Duration time, Check check,
            Consumer<String> progress) throws IOException {
        String name = path.getFileName().toString();
        java.util.function.UnaryOperator<String> shows = u -> redact ? SubscriptionUrl.redacted(u) : u;
        String shown = shows.apply(url);
        long started = System.nanoTime();
        long deadline = started + time.toNanos();
        HttpURLConnection http = open(url, shown);
        Path madeFolder = firstMissingFolder(path);
        Path tmp;
        try {
            tmp = TornCopies.partialDownload(path);
        } catch (IOException e) {
            throw FileProblems.cannotSave(e);
        }
        // The headers: cut from outside at the deadline. Not the body: a disconnect while it is read makes the
        // stream end early as if complete, so the loop below looks at the clock instead.
        AtomicReference<HttpURLConnection> awaitingHeaders = new AtomicReference<>(http);
        AtomicBoolean cutOff = new AtomicBoolean();
        ScheduledFuture<?> cut = Watchdog.SCHEDULER.schedule(() -> {
            HttpURLConnection c = awaitingHeaders.getAndSet(null);
            if (c != null) {
                cutOff.set(true);
                c.disconnect();
            }
        }, time.toNanos(), TimeUnit.NANOSECONDS);
        try {
            int status = http.getResponseCode();
            for (int hop = 0; status / 100 == 3 && http.getHeaderField("Location") != null; hop++) {
                if (hop == MAX_REDIRECTS) {
                    throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + shown);
                }
                String location = http.getHeaderField("Location");
                URI next;
                try {
                    next = http.getURL().toURI().resolve(location);
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw new IOException(shows.apply(http.getURL().toString()) + " redirects to "
                            + (redact ? "a Location" : "'" + location + "', which is") + " not a URL");
                }
                if (http.getURL().getProtocol().equals("https") && !"https".equals(next.getScheme())) {
                    throw new IOException(shows.apply(http.getURL().toString()) + " redirects to "
                            + shows.apply(next.toString()) + ", which is not https");
                }
                http.disconnect();
                http = open(next.toString(), shows.apply(next.toString()));
                if (awaitingHeaders.getAndSet(http) == null) {
                    throw tooLong(shown, time);
                }
                status = http.getResponseCode();
            }
            if (awaitingHeaders.getAndSet(null) == null) {
                throw tooLong(shown, time);
            }
            if (status / 100 != 2) {
                throw new IOException("HTTP " + status + " from " + shown);
            }
            long length = http.getContentLengthLong();
            if (length > maxBytes) {
                throw new IOException(shown + " is " + bytes(length) + ", more than the " + bytes(maxBytes) + " allowed");
            }
            progress.accept("downloading " + name + " from " + shown + (length > 0 ? " (" + mb(length) + ")" : ""));
            long total = 0;
            long lastReport = started;
            try (InputStream in = http.getInputStream(); OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (System.nanoTime() - deadline > 0) {
                        throw tooLong(shown, time);
                    }
                    total += n;
                    if (total > maxBytes) {
                        throw new IOException(shown + " sent more than the " + bytes(maxBytes) + " allowed");
                    }
                    out.write(buf, 0, n);
                    long now = System.nanoTime();
                    if (now - lastReport >= PROGRESS_EVERY_NANOS) {
                        lastReport = now;
                        progress.accept(name + ": " + mb(total) + (length > 0 ? " of " + mb(length) : "") + " so far");
                    }
                }
            }
            if (length > 0 && total != length) {
                throw new IOException(shown + " ended after " + total + " of " + length + " bytes");
            }
            check.accept(tmp);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            progress.accept(String.format(Locale.ROOT, "downloaded %s (%s) in %.1f s", name, mb(total),
                    (System.nanoTime() - started) / 1e9));
        } catch (IOException e) {
            if (cutOff.get()) {
                throw tooLong(shown, time);
            }
            throw e instanceof FileSystemException ? FileProblems.cannotSave(e) : e;
        } finally {
            cut.cancel(false);
            http.disconnect();
            Files.deleteIfExists(tmp);
            if (madeFolder != null && !Files.exists(path)) {
                removeEmptyUpTo(path.toAbsolutePath().getParent(), madeFolder);
            }
        }
    }

    /** The outermost folder of {@code path}'s that is not there yet, which a download makes; {@code null}: none. */
    private static Path firstMissingFolder(Path path) {
        Path missing = null;
        for (Path p = path.toAbsolutePath().getParent(); p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }

    /**
     * Removes the folders a failed download made for its file, from {@code folder} out to {@code top}, as far as
     * they are empty: a rule provider that could not be fetched leaves no empty {@code ruleset/} behind.
     */
    private static void removeEmptyUpTo(Path folder, Path top) {
        for (Path p = folder; p != null && p.startsWith(top); p = p.getParent()) {
            try {
                Files.delete(p);
            } catch (IOException e) {
                return; // not empty (another download's file), or already gone: what is left stays
            }
        }
    }

    private static IOException tooLong(String url, Duration time) {
        return new IOException(url + " took longer than the " + time.toSeconds() + " s allowed");
    }

    /** One daemon thread for every download's deadline: it only cuts connections, never reads or writes. */
    private static final class Watchdog {
        static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "turnout-download-deadline");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A request for {@code url} that does not follow redirects itself: {@link HttpURLConnection} follows none from
     * http to https (a rule provider's {@code http://} URL often moved there), so {@link #fetch} follows them, as
     * the JDK's HttpClient does, never from https to anything else.
     */
    private static HttpURLConnection open(String url, String shown) throws IOException {
        URLConnection c;
        try {
            c = URI.create(url).toURL().openConnection();
        } catch (IllegalArgumentException e) {
            throw new IOException("not a URL: " + shown);
        }
        if (!(c instanceof HttpURLConnection http)) {
            throw new IOException("not an http(s) URL: " + shown);
        }
        if (http instanceof javax.net.ssl.HttpsURLConnection https) {
            javax.net.ssl.SSLSocketFactory trusting = trusting();
            if (trusting != null) {
                https.setSSLSocketFactory(trusting);
            }
        }
        http.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        http.setReadTimeout(READ_TIMEOUT_MILLIS);
        http.setInstanceFollowRedirects(false);
        http.setRequestProperty("User-Agent", "Turnout");
        return http;
    }

    /**
     * {@code SSL_CERT_FILE}, trusted beside the JDK's store as for subscriptions and the outbounds' TLS: mihomo's
     * downloads all read it (Go's system roots), and a company CA worked for subscriptions while rule sets failed.
     */
    static volatile String trustFile = System.getenv("SSL_CERT_FILE");
    private static final java.util.Map<String, javax.net.ssl.SSLSocketFactory> TRUSTING =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The sockets trusting {@link #trustFile} too, or {@code null} for the JDK's own when it names none. */
    private static javax.net.ssl.SSLSocketFactory trusting() throws IOException {
        String file = trustFile;
        if (file == null || file.isBlank()) {
            return null;
        }
        javax.net.ssl.SSLSocketFactory f = TRUSTING.get(file);
        if (f == null) {
            try {
                javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLS");
                c.init(null, new javax.net.ssl.TrustManager[] {dev.turnout.host.dial.layer.TlsLayer.trust(file)}, null);
                f = c.getSocketFactory();
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("the trusted certificates cannot be read (SSL_CERT_FILE " + file + "): "
                        + e.getMessage(), e);
            }
            TRUSTING.putIfAbsent(file, f);
        }
        return f;
    }

    public static String bytes(long n) {
        return String.format(Locale.ROOT, "%,d bytes", n);
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
