package dev.turnout.host.controller;

import dev.turnout.host.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The dashboard's files under {@code /ui/}: Turnout's own page from the jar, or, with {@code external-ui},
 * a folder's. Paths that would leave the folder ({@code ..}, encoded or not, or a link pointing out) are
 * refused.
 */
final class StaticFiles {

    static final String RESOURCES = "/dev/turnout/host/ui/";
    static final long MAX_FILE_BYTES = 32L * 1024 * 1024;

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json; charset=utf-8"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("ttf", "font/ttf"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("map", "application/json"));

    /** A file to send. */
    record Found(byte[] bytes, String contentType) {
    }

    /** Thrown for paths that try to leave the folder. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    private final Path root;

    /** @param root a folder to serve, or {@code null} for Turnout's own page */
    StaticFiles(Path root) {
        this.root = root;
    }

    /**
     * Looks up {@code rawPath}, the part after {@code /ui/}, still percent-encoded. Returns {@code null} when
     * there is no such file.
     */
    Found find(String rawPath) throws Refused, IOException {
        String decoded = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
        if (decoded.isEmpty() || decoded.endsWith("/")) {
            decoded += "index.html";
        }
        for (String segment : decoded.split("/")) {
            if (segment.equals("..") || segment.indexOf('\\') >= 0 || segment.indexOf('\0') >= 0) {
                throw new Refused("path leaves the dashboard folder");
            }
        }
        if (decoded.startsWith("/")) {
            throw new Refused("absolute path");
        }
        return root == null ? fromResources(decoded) : fromFolder(decoded);
    }

    private Found fromResources(String path) throws IOException {
        try (InputStream in = StaticFiles.class.getResourceAsStream(RESOURCES + path)) {
            if (in == null) {
                return null;
            }
            return new Found(in.readNBytes((int) MAX_FILE_BYTES), contentType(path));
        }
    }

    private Found fromFolder(String path) throws Refused, IOException {
        Path base = root.toRealPath();
        Path file = base.resolve(path).normalize();
        if (!file.startsWith(base)) {
            throw new Refused("path leaves the dashboard folder");
        }
        if (Files.isDirectory(file)) {
            file = file.resolve("index.html");
        }
        if (!Files.isRegularFile(file)) {
            return null;
        }
        // A link inside the folder may point anywhere: what counts is where the file really is.
        if (!file.toRealPath().startsWith(base)) {
            throw new Refused("path leaves the dashboard folder");
        }
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException("file too large to serve");
        }
        return new Found(ConfigLoader.readFile(file), contentType(file.getFileName().toString()));
    }

    static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }
}
