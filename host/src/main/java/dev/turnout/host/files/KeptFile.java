package dev.turnout.host.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small text file that keeps what a user set through a dashboard across restarts (the groups' choices, the
 * dashboards' own settings): written whole to a temporary file and renamed over the old one, so a crash never leaves
 * half a file.
 *
 * <p>Writes run on a thread of their own, never the caller's: changes come from the controller's event loop, and a
 * disk that stops taking writes (a frozen file system, a stalled network share) would otherwise stop the controller
 * answering anything at all. Changes made while a write is under way are written together by the next one, which
 * asks for the contents when it runs, so the file always ends with the last change.
 */
public final class KeptFile {

    private static final Logger log = LoggerFactory.getLogger(KeptFile.class);

    /** How long a stop waits for the last change to reach the file. */
    public static final Duration STOP_PATIENCE = Duration.ofSeconds(2);
    private static final String TEMP_SUFFIX = ".tmp";

    private final Path file;
    private final String what;
    private final Executor writer;
    private final Supplier<String> contents;
    private boolean writeQueued;
    /** The last write failed (a full disk): tried again every {@link #retry}, and at {@link #close}. */
    private volatile boolean unsaved;
    private volatile boolean closed;

    /** How long after a failed write it is tried again, as the fake-IP cache does; shorter in tests. */
    static volatile Duration retry = Duration.ofSeconds(5);
    private static final ScheduledExecutorService RETRIES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "turnout-kept-file-retry");
        t.setDaemon(true);
        return t;
    });

    private KeptFile(Path file, String what, Executor writer, Supplier<String> contents) {
        this.file = file;
        this.what = what;
        this.writer = writer;
        this.contents = contents;
    }

    /**
     * {@code file}, written by {@code writer} with what {@code contents} gives at the time; {@code what} names it in
     * messages ({@code selections}). Copies a kill cut short before their rename are removed now: one more at every
     * such kill otherwise.
     */
    public static KeptFile at(Path file, String what, Executor writer, Supplier<String> contents) {
        try {
            TornCopies.remove(file, TEMP_SUFFIX, Duration.ZERO);
        } catch (IOException e) {
            log.debug("cannot remove torn {} copies beside {}: {}", what, file, e.toString());
        }
        return new KeptFile(file, what, writer, contents);
    }

    /** A writer of its own: one daemon thread named {@code name}, for {@link #at}. */
    public static ExecutorService ownWriter(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    public Path file() {
        return file;
    }

    /** The file's text; {@code null} when there is none or it cannot be read (said in the log): nothing kept. */
    public String read() {
        return read(file, what);
    }

    /**
     * As {@link #read()}, for a command that only looks at the file another process keeps ({@code what} names it in
     * the log): nothing here writes it, nor removes its torn copies.
     */
    public static String read(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            log.warn("ignoring unreadable {} file {}: {}", what, file, FileProblems.why(e));
            return null;
        }
    }

    /** Queues a write of the contents, unless one is queued already: that one will carry this change too. */
    public void changed() {
        synchronized (this) {
            if (writeQueued) {
                return;
            }
            writeQueued = true;
        }
        try {
            writer.execute(this::write);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                writeQueued = false; // stopped: close() made the last try
            }
        }
    }

    private void write() {
        synchronized (this) {
            writeQueued = false;
        }
        String text = contents.get();
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            // The config's folder was removed (or a test's, which a write after its end made anew and left behind):
            // making it again would leave a folder nobody asked for.
            log.warn("cannot save {} to {}: its folder is gone", what, file);
            return;
        }
        try {
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), TEMP_SUFFIX);
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            if (unsaved) {
                unsaved = false;
                log.info("saved {} to {}: the disk takes writes again", what, file);
            }
        } catch (IOException e) {
            // A choice made while the disk was full was lost otherwise: nothing wrote it once space came back.
            if (!unsaved) {
                unsaved = true;
                log.warn("cannot save {} to {}: {}; trying again every {} s and at stop", what, file,
                        FileProblems.why(e), retry.toSeconds());
            } else {
                log.debug("cannot save {} to {} yet: {}", what, file, FileProblems.why(e));
            }
            if (!closed) {
                RETRIES.schedule(() -> {
                    if (unsaved && !closed) {
                        changed();
                    }
                }, retry.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Waits at most {@link #STOP_PATIENCE} for the queued write, then stops a writer of its own. */
    public void close() {
        if (unsaved) {
            changed(); // a last try for a change a full disk kept out
        }
        closed = true;
        if (!(writer instanceof ExecutorService service)) {
            return;
        }
        service.shutdown();
        try {
            if (!service.awaitTermination(STOP_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("the last change to {} did not reach {} within {} s (the disk takes no writes): it keeps the"
                        + " one before", what, file, STOP_PATIENCE.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
