package dev.turnout.host.files;

import dev.turnout.host.dial.Causes;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What went wrong with a file, said in a line a user can act on. The JDK gives the operating system's reason as the
 * exception's type: an {@link AccessDeniedException}'s message is the bare path ("/etc/turnout"), which Turnout
 * printed as the reason ("could not be fetched (/etc/turnout)").
 */
public final class FileProblems {

    /** The reasons the JDK gives only as the exception's type. */
    private static final Map<Class<? extends FileSystemException>, String> REASONS = reasons();

    private static Map<Class<? extends FileSystemException>, String> reasons() {
        Map<Class<? extends FileSystemException>, String> m = new LinkedHashMap<>();
        m.put(AccessDeniedException.class, "permission denied");
        m.put(NoSuchFileException.class, "no such file or directory");
        m.put(NotDirectoryException.class, "not a directory");
        m.put(FileAlreadyExistsException.class, "already exists");
        m.put(DirectoryNotEmptyException.class, "directory not empty");
        m.put(FileSystemLoopException.class, "a loop of links");
        return m;
    }

    private FileProblems() {
    }

    /** {@code /etc/turnout: permission denied}; any other failure's own message, or its type when it has none. */
    public static String why(Throwable e) {
        return why(e, null);
    }

    /** As {@link #why(Throwable)}, without the path when it is {@code named}, which the line already names. */
    public static String why(Throwable e, Path named) {
        if (!(e instanceof FileSystemException f)) {
            return Causes.of(e);
        }
        String reason = f.getReason() != null ? f.getReason() : reasonOf(f);
        if (f.getFile() == null) {
            return reason;
        }
        if (f.getOtherFile() != null) {
            return f.getFile() + " -> " + f.getOtherFile() + ": " + reason;
        }
        return named != null && f.getFile().equals(named.toString()) ? reason : f.getFile() + ": " + reason;
    }

    /**
     * A failure to keep what was downloaded (a folder that cannot be made or written), told apart from the
     * download's own failures, which never come as a {@link FileSystemException}.
     */
    public static IOException cannotSave(Throwable e) {
        return new IOException("cannot save it: " + why(e), e);
    }

    private static String reasonOf(FileSystemException f) {
        return REASONS.entrySet().stream().filter(e -> e.getKey().isInstance(f)).map(Map.Entry::getValue).findFirst()
                .orElse(f.getClass().getSimpleName());
    }
}
