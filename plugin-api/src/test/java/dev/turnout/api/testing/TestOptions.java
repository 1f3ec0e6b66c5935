package dev.turnout.api.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.UnsupportedOptionException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.function.Executable;

/** A proxy entry of a config, written in a test: the options a plugin's parser or type is given. */
public final class TestOptions {

    private TestOptions() {
    }

    /** An entry named "p" of {@code type} with the given keys and values, alternating: {@code "port", 1080}. */
    /** Where a test that is not about an entry's warnings sends them ({@code OutboundContext.warn}'s stand-in). */
    public static final BiConsumer<String, String> WARNINGS_IGNORED = (key, message) -> { };

    public static OutboundOptions of(String type, Object... keyValues) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new OutboundOptions("p", type, values);
    }

    /** An entry for a proxy on 127.0.0.1:{@code port}, where the tests' scripted servers and daemons listen. */
    public static OutboundOptions loopbackServer(String name, String type, int port, Map<String, Object> extra) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("server", "127.0.0.1");
        values.put("port", port);
        values.putAll(extra);
        return new OutboundOptions(name, type, values);
    }

    /**
     * Asserts that {@code parse} refuses its entry for the sake of {@code key}, saying {@code fragment}: the
     * key is what the host points at in the config file.
     */
    public static void assertRejects(Executable parse, String key, String fragment) {
        OptionException e = assertThrows(OptionException.class, parse);
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertFalse(e instanceof UnsupportedOptionException, () -> "a mistake in the entry, not a feature left out: "
                + e.getMessage());
    }

    /**
     * Asserts that {@code parse} finds its entry asking for something the plugin does not implement, for the sake of
     * {@code key}, saying {@code fragment}: the host leaves such an entry out rather than refusing the config.
     */
    public static void assertNotImplemented(Executable parse, String key, String fragment) {
        UnsupportedOptionException e = assertThrows(UnsupportedOptionException.class, parse);
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
