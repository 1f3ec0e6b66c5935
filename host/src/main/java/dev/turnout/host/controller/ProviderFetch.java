package dev.turnout.host.controller;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * Downloads an http rule provider again when a dashboard asks to refresh it: to a temporary file beside
 * the cached copy, renamed over it only when the download completed, so a failure keeps the old copy.
 */
final class ProviderFetch {

    static final long MAX_BYTES = 64L * 1024 * 1024;

    private ProviderFetch() {
    }

    static void download(String url, Path path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("User-Agent", "Turnout").GET().build();
        Path parent = path.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, path.getFileName().toString(), ".part");
        try {
            HttpResponse<Path> response = client.send(request, HttpResponse.BodyHandlers.ofFile(tmp));
            if (response.statusCode() / 100 != 2) {
                throw new IOException("refreshing from " + url + ": HTTP " + response.statusCode());
            }
            if (Files.size(tmp) > MAX_BYTES) {
                throw new IOException("refreshing from " + url + ": larger than " + MAX_BYTES + " bytes");
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
