package dev.turnout.host.config;

import dev.turnout.rules.Origin;

/** A config cannot be used. The message starts with file, line and column, then says what was expected. */
public final class ConfigException extends Exception {

    private final Origin origin;

    public ConfigException(Origin origin, String message) {
        super(origin + ": " + message);
        this.origin = origin;
    }

    public ConfigException(Origin origin, String message, Throwable cause) {
        super(origin + ": " + message, cause);
        this.origin = origin;
    }

    public Origin origin() {
        return origin;
    }
}
