package dev.turnout.host.outbound;

import dev.turnout.host.files.SafePaths;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which files an entry's options may name ({@link dev.turnout.api.OutboundContext#readFile}), and the home folder
 * a relative one is read from.
 *
 * @param confinedTo the only folders files may be read from; empty: any file
 */
public record EntryFiles(Path home, Optional<SafePaths> confinedTo) {

    public EntryFiles {
        home = home.toAbsolutePath().normalize();
    }

    /** For an entry the user wrote ({@code proxies:}, an inline provider's {@code payload}): any file. */
    public static EntryFiles written(Path home) {
        return new EntryFiles(home, Optional.empty());
    }

    /**
     * For a provider's node (a download, or a file that often holds one): files inside the home folder or {@code
     * SAFE_PATHS} only, unless {@code SKIP_SAFE_PATH_CHECK=1} (which lifts mihomo's check of providers' own files
     * too); both read from this process's environment.
     */
    public static EntryFiles subscribed(Path home) {
        return new EntryFiles(home, "1".equals(System.getenv("SKIP_SAFE_PATH_CHECK")) ? Optional.empty()
                : Optional.of(new SafePaths(List.of(home), "the home folder", System.getenv("SAFE_PATHS"))));
    }

    public byte[] read(String written) throws IOException {
        Path file;
        try {
            file = home.resolve(written);
        } catch (InvalidPathException e) {
            throw new FileSystemException(written, null, "not a path: " + e.getReason());
        }
        if (confinedTo.isPresent()) {
            try {
                file = confinedTo.get().check(file);
            } catch (SafePaths.Refused e) {
                throw new AccessDeniedException(file.toString(), null, e.where() + "; a subscription's node may name"
                        + " files only there (SKIP_SAFE_PATH_CHECK=1 lifts this, as it lifts mihomo's check)");
            }
        }
        return Files.readAllBytes(file);
    }
}
