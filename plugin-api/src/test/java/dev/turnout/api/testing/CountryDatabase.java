package dev.turnout.api.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The real GeoIP2-Country database .ci/test-deps.sh builds from public data with MaxMind's writer, in
 * {@code $TURNOUT_GEO_DIR} or {@code ~/.cache/turnout-geo} as {@code Country-VERSION.mmdb}.
 */
public final class CountryDatabase {

    private CountryDatabase() {
    }

    public static Path folder() {
        String dir = System.getenv("TURNOUT_GEO_DIR");
        return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "turnout-geo");
    }

    /** The database; skips the test (fails it under CI) when test-deps.sh could not build it. */
    public static Path required() {
        Path found = null;
        if (Files.isDirectory(folder())) {
            try (Stream<Path> files = Files.list(folder())) {
                found = files.filter(p -> p.getFileName().toString().matches("Country-.*\\.mmdb"))
                        .max(Comparator.comparing(p -> p.getFileName().toString())).orElse(null);
            } catch (IOException e) {
                found = null;
            }
        }
        Path db = found;
        Required.that(db != null, () -> "no Country-*.mmdb in " + folder() + " (.ci/test-deps.sh builds it)");
        return db;
    }
}
