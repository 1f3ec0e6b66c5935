package dev.turnout.host.outbound;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The members users chose in {@code select} groups, kept in a small file so the choice survives a restart.
 * Written to a temporary file and renamed over the old one: a crash never leaves half a file. A missing or
 * unreadable file means no choices, never an error.
 */
public final class Selections {

    private static final Logger log = LoggerFactory.getLogger(Selections.class);

    /** The file's name, beside the config. */
    public static final String FILE_NAME = ".turnout-selections";
    static final int MAX_ENTRIES = 1024;

    private final Path file;
    private final Map<String, String> choices = new LinkedHashMap<>();

    private Selections(Path file) {
        this.file = file;
    }

    /** Choices kept in {@code file} ({@code null}: kept in memory only). */
    public static Selections at(Path file) {
        Selections s = new Selections(file);
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

    public synchronized String choiceFor(String group) {
        return choices.get(group);
    }

    /** Records a choice and writes the file; a write failure is logged, the choice still holds in memory. */
    public synchronized void remember(String group, String member) {
        if (member.equals(choices.get(group)) || (!choices.containsKey(group) && choices.size() >= MAX_ENTRIES)) {
            return;
        }
        choices.put(group, member);
        if (file == null) {
            return;
        }
        Properties p = new Properties();
        p.putAll(choices);
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, FILE_NAME, ".tmp");
            try {
                try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    p.store(out, "Turnout: members chosen in select groups");
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            log.warn("cannot save selections to {}: {}", file, e.getMessage());
        }
    }
}
