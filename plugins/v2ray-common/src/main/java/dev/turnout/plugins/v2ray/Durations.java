package dev.turnout.plugins.v2ray;

import dev.turnout.api.OptionException;
import dev.turnout.api.OutboundOptions;

/** Reads a duration option: a whole number of milliseconds, or a number with {@code ms} or {@code s}. */
public final class Durations {

    private Durations() {
    }

    public static long millis(OutboundOptions options, String key, long fallback) throws OptionException {
        String text = options.string(key, null);
        if (text == null) {
            return fallback;
        }
        String t = text.trim();
        long scale = 1;
        if (t.endsWith("ms")) {
            t = t.substring(0, t.length() - 2).trim();
        } else if (t.endsWith("s")) {
            t = t.substring(0, t.length() - 1).trim();
            scale = 1000;
        }
        try {
            long value = Long.parseLong(t) * scale;
            if (value > 0 && value <= 600_000) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new OptionException(key, "'" + key + "' must be a duration from 1ms to 600s (a number is milliseconds), got "
                + text);
    }
}
