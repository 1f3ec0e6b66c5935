package dev.turnout.host.outbound;

import dev.turnout.host.files.KeptFile;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The members users chose in {@code select} groups, and pinned in url-test and fallback groups ({@code ""} once
 * unpinned), kept in a small file ({@link KeptFile}) so the choice survives a restart. A missing or unreadable file
 * means no choices, never an error.
 */
public final class Selections {

    private static final Logger log = LoggerFactory.getLogger(Selections.class);

    /** The file's name, beside the config. */
    public static final String FILE_NAME = ".turnout-selections";
    static final int MAX_ENTRIES = 1024;
    /** How long a stop waits for the last choice to reach the file. */
    static final Duration STOP_PATIENCE = KeptFile.STOP_PATIENCE;

    private final Map<String, String> choices = new LinkedHashMap<>();
    private final KeptFile kept;

    private Selections(Path file, Executor writer) {
        this.kept = file == null ? null : KeptFile.at(file, "selections", writer, this::text);
    }

    /** Choices kept in {@code file} ({@code null}: kept in memory only). */
    public static Selections at(Path file) {
        return at(file, file == null ? null : KeptFile.ownWriter("turnout-selections-writer"));
    }

    /** Choices kept in {@code file}, written by {@code writer}. */
    static Selections at(Path file, Executor writer) {
        Selections s = new Selections(file, writer);
        s.read();
        return s;
    }

    public Path file() {
        return kept == null ? null : kept.file();
    }

    private void read() {
        String text = kept == null ? null : kept.read();
        if (text != null) {
            choices.putAll(parse(text, kept.file()));
        }
    }

    /**
     * The choices kept in {@code file}, read once and never written: what a run on that config starts with, for a
     * command beside it ({@code turnout match}). Empty when there is no file or it cannot be read.
     */
    public static Map<String, String> readOnly(Path file) {
        String text = KeptFile.read(file, "selections");
        return text == null ? Map.of() : parse(text, file);
    }

    private static Map<String, String> parse(String text, Path file) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            log.warn("ignoring unreadable selections file {}: {}", file, e.getMessage());
            return Map.of();
        }
        Map<String, String> read = new LinkedHashMap<>();
        p.stringPropertyNames().stream().sorted().limit(MAX_ENTRIES).forEach(k -> read.put(k, p.getProperty(k)));
        return read;
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
        }
        if (kept != null) {
            kept.changed();
        }
    }

    /** The file's text: the choices of the moment. */
    private String text() {
        Properties p = new Properties();
        synchronized (this) {
            p.putAll(choices);
        }
        StringWriter out = new StringWriter();
        try {
            p.store(out, "Turnout: members chosen in select groups, pinned in url-test and fallback groups");
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** Waits at most {@link #STOP_PATIENCE} for the queued write, then stops the writer. */
    public void close() {
        if (kept != null) {
            kept.close();
        }
    }
}
