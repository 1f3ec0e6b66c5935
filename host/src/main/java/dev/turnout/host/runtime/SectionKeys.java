package dev.turnout.host.runtime;

import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.Section;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a section's keys one at a time, noting each key's problem at that key instead of stopping at the first,
 * so that one run of {@code turnout check} shows every wrong key of the section.
 */
final class SectionKeys {

    interface Reading<T> {
        T get() throws ConfigException;
    }

    private final Section section;
    private final String name;
    private final List<ConfigException> problems = new ArrayList<>();

    /** @param name the section's name, which prefixes a message that does not name its key */
    SectionKeys(Section section, String name) {
        this.section = section;
        this.name = name;
    }

    /** What {@code reading} gives, or {@code null} when it failed (the problem is noted at {@code key}). */
    <T> T read(String key, Reading<T> reading) {
        try {
            return reading.get();
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigException(section.originOf(key), name + ": " + e.getMessage()));
            return null;
        } catch (ConfigException e) {
            problems.add(e);
            return null;
        }
    }

    /** Throws every problem noted so far, if there was one. */
    void throwProblems() throws ConfigException {
        if (!problems.isEmpty()) {
            throw ConfigException.of(problems);
        }
    }
}
