package dev.turnout.host.outbound;

import dev.turnout.host.files.TornCopies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The members users chose in {@code select} groups, and pinned in url-test and fallback groups ({@code ""} once
 * unpinned), kept in a small file so the choice survives a restart.
 * Written to a temporary file and renamed over the old one: a crash never leaves half a file. A missing or
 * unreadable file means no choices, never an error.
 *
 * <p>The file is written on a thread of its own, never by the caller: a choice comes from the controller's event
 * loop, and a disk that stops taking writes (a frozen file system, a stalled network share) would otherwise stop
 * the controller answering anything at all. Choices made while a write is under way are written together by the
 * next one, so the file always ends with the last choice.
 */
public final class Selections {

    private static final Logger log = LoggerFactory.getLogger(Selections.class);

    /** The file's name, beside the config. */
    public static final String FILE_NAME = ".turnout-selections";
    static final int MAX_ENTRIES = 1024;
    /** How long a stop waits for the last choice to reach the file. */
    static final Duration STOP_PATIENCE = Duration.ofSeconds(2);
    private static final String TEMP_SUFFIX = ".tmp";

    private final Path file;
    private final Map<String, String> choices = new LinkedHashMap<>();
    private final Executor writer;
    private boolean writeQueued;

    private Selections(Path file, Executor writer) {
        this.file = file;
        this.writer = writer;
    }

    /** Choices kept in {@code file} ({@code null}: kept in memory only). */
    public static Selections at(Path file) {
        return at(file, file == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "turnout-selections-writer");
            t.setDaemon(true);
            return t;
        }));
    }

    /** Choices kept in {@code file}, written by {@code writer}. */
    static Selections at(Path file, Executor writer) {
        Selections s = new Selections(file, writer);
        s.removeTornCopies();
        s.read();
        return s;
    }

    public Path file() {
        return file;
    }

    private void read() {
        if (file == null || !Files.isRegularFile(file)) {
            return;
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("ignoring unreadable selections file {}: {}", file, e.getMessage());
            return;
        }
        p.stringPropertyNames().stream().sorted().limit(MAX_ENTRIES).forEach(k -> choices.put(k, p.getProperty(k)));
    }

    /** Temporary copies a kill cut short before their rename: one more at every such kill otherwise. */
    private void removeTornCopies() {
        if (file == null) {
            return;
        }
        try {
            TornCopies.remove(file, TEMP_SUFFIX, Duration.ZERO);
        } catch (IOException e) {
            log.debug("cannot remove torn selections copies beside {}: {}", file, e.toString());
        }
    }

    public synchronized String choiceFor(String group) {
        return choices.get(group);
    }

    /**
     * Records a choice, which holds at once, and queues a write of the file; a write failure is logged, the choice
     * still holds in memory.
     */
    public void remember(String group, String member) {
        synchronized (this) {
            if (member.equals(choices.get(group))
                    || (!choices.containsKey(group) && choices.size() >= MAX_ENTRIES)) {
                return;
            }
            choices.put(group, member);
            if (file == null || writeQueued) {
                return;
            }
            writeQueued = true;
        }
        writer.execute(this::write);
    }

    private void write() {
        Properties p = new Properties();
        synchronized (this) {
            writeQueued = false;
            p.putAll(choices);
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, FILE_NAME, TEMP_SUFFIX);
            try {
                try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    p.store(out, "Turnout: members chosen in select groups, pinned in url-test and fallback groups");
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            log.warn("cannot save selections to {}: {}", file, e.getMessage());
        }
    }

    /** Waits at most {@link #STOP_PATIENCE} for the queued write, then stops the writer. */
    public void close() {
        if (!(writer instanceof ExecutorService service)) {
            return;
        }
        service.shutdown();
        try {
            if (!service.awaitTermination(STOP_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("the last group choice did not reach {} within {} s (the disk takes no writes):"
                        + " it keeps the one before", file, STOP_PATIENCE.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
