package dev.turnout.host.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Downloads a file Turnout keeps in its home folder (a geo database, a dashboard's archive): to a temporary file
 * beside its place, checked, then renamed over it, so that a reader never sees half a file and a failed download
 * leaves nothing behind. Bounded in size and in time without progress; follows a few redirects;
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

    /** What makes a downloaded file acceptable (it opens as the database it should be). */
    @FunctionalInterface
    public interface Check {
        void accept(Path file) throws IOException;
    }

    private Download() {
    }

    public static void fetch(String url, Path path, long maxBytes, Check check, Consumer<String> progress) throws IOException {
        String name = path.getFileName().toString();
        long started = System.nanoTime();
        HttpURLConnection http = open(url);
        Path tmp = TornCopies.partialDownload(path);
        try {
            int status = http.getResponseCode();
            for (int hop = 0; status / 100 == 3 && http.getHeaderField("Location") != null; hop++) {
                if (hop == MAX_REDIRECTS) {
                    throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + url);
                }
                String location = http.getHeaderField("Location");
                URI next;
                try {
                    next = http.getURL().toURI().resolve(location);
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw new IOException(http.getURL() + " redirects to '" + location + "', which is not a URL");
                }
                if (http.getURL().getProtocol().equals("https") && !"https".equals(next.getScheme())) {
                    throw new IOException(http.getURL() + " redirects to " + next + ", which is not https");
                }
                http.disconnect();
                http = open(next.toString());
                status = http.getResponseCode();
            }
            if (status / 100 != 2) {
                throw new IOException("HTTP " + status + " from " + url);
            }
            long length = http.getContentLengthLong();
            if (length > maxBytes) {
                throw new IOException(url + " is " + bytes(length) + ", more than the " + bytes(maxBytes) + " allowed");
            }
            progress.accept("downloading " + name + " from " + url + (length > 0 ? " (" + mb(length) + ")" : ""));
            long total = 0;
            long lastReport = started;
            try (InputStream in = http.getInputStream(); OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    total += n;
                    if (total > maxBytes) {
                        throw new IOException(url + " sent more than the " + bytes(maxBytes) + " allowed");
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
                throw new IOException(url + " ended after " + total + " of " + length + " bytes");
            }
            check.accept(tmp);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            progress.accept(String.format(Locale.ROOT, "downloaded %s (%s) in %.1f s", name, mb(total),
                    (System.nanoTime() - started) / 1e9));
        } finally {
            http.disconnect();
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A request for {@code url} that does not follow redirects itself: {@link HttpURLConnection} follows none from
     * http to https (a rule provider's {@code http://} URL often moved there), so {@link #fetch} follows them, as
     * the JDK's HttpClient does, never from https to anything else.
     */
    private static HttpURLConnection open(String url) throws IOException {
        URLConnection c;
        try {
            c = URI.create(url).toURL().openConnection();
        } catch (IllegalArgumentException e) {
            throw new IOException("not a URL: " + url);
        }
        if (!(c instanceof HttpURLConnection http)) {
            throw new IOException("not an http(s) URL: " + url);
        }
        http.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        http.setReadTimeout(READ_TIMEOUT_MILLIS);
        http.setInstanceFollowRedirects(false);
        http.setRequestProperty("User-Agent", "Turnout");
        return http;
    }

    public static String bytes(long n) {
        return String.format(Locale.ROOT, "%,d bytes", n);
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
