package dev.turnout.api;

/**
 * An outbound's options are wrong. {@link #key()} names the offending key (or {@code null} for the entry as
 * a whole) so the host can point at its file, line and column.
 */
public class OptionException extends Exception {

    private final String key;

    public OptionException(String key, String message) {
        super(message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
