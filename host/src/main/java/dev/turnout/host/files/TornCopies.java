package dev.turnout.host.files;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The temporary copies a write-then-rename leaves when the process dies between the two (a SIGKILL, a power
 * loss): Turnout writes a file as {@code Files.createTempFile(its folder, its name, suffix)}, which is named
 * {@code NAME} + digits + {@code suffix}, and renames it over {@code NAME} once complete. Nothing else removes such a
 * copy, so without this there would be one more in the config's folder at every such kill.
 */
public final class TornCopies {

    /**
     * How long a download's partial file must have gone unwritten to be taken for abandoned: one in progress
     * (another instance's, on a config in the same folder) is written at least once per read timeout, 30 s.
     */
    public static final Duration ABANDONED_DOWNLOAD = Duration.ofMinutes(10);
    private static final String PART = ".part";

    private TornCopies() {
    }

    /**
     * Removes the copies of {@code target} with {@code suffix} that nothing has written to for {@code untouchedFor}
     * (a copy some other process is still writing is left alone); returns the names removed. A missing folder
     * holds none.
     */
    public static List<String> remove(Path target, String suffix, Duration untouchedFor) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        String name = target.getFileName().toString();
        Instant before = Instant.now().minus(untouchedFor);
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> copies = Files.newDirectoryStream(dir, p -> isCopy(name, suffix, p))) {
            for (Path p : copies) {
                if (!untouchedFor.isZero() && Files.getLastModifiedTime(p).toInstant().isAfter(before)) {
                    continue;
                }
                if (Files.deleteIfExists(p)) {
                    removed.add(p.getFileName().toString());
                }
            }
        } catch (NoSuchFileException e) {
            // No folder yet: nothing written.
        }
        return removed;
    }

    /**
     * A new partial file for a download of {@code target}, beside it (its folder created), to be renamed over it when
     * complete and deleted by the caller when not. Partial files a killed run left (no finally removed them) go first;
     * this one is also removed as the JVM exits, since a stop during the start's download ends the run without
     * unwinding the downloading thread (StopAnyTime).
     */
    public static Path partialDownload(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        remove(target, PART, ABANDONED_DOWNLOAD);
        Path partial = Files.createTempFile(parent, target.getFileName().toString(), PART);
        partial.toFile().deleteOnExit();
        return partial;
    }

    static boolean isCopy(String name, String suffix, Path p) {
        String f = p.getFileName().toString();
        return f.length() > name.length() + suffix.length() && f.startsWith(name) && f.endsWith(suffix)
                && f.substring(name.length(), f.length() - suffix.length()).chars().allMatch(Character::isDigit);
    }
}
