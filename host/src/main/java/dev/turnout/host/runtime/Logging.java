package dev.turnout.host.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Applies Clash's {@code log-level} to the logging backend. */
public final class Logging {

    private Logging() {
    }

    public static void apply(String clashLevel) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Level level = switch (clashLevel) {
            case "debug" -> Level.DEBUG;
            case "warning" -> Level.WARN;
            case "error" -> Level.ERROR;
            case "silent" -> Level.OFF;
            default -> Level.INFO;
        };
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(level);
        context.getLogger("org.pf4j").setLevel(pf4jLevel(level));
    }

    /**
     * Waits (at most {@link ConsoleWriter#PATIENCE}) until the lines the event loops have logged so far are on
     * standard error: before the process ends or replaces itself, which the writer's daemon thread would not see.
     */
    public static void awaitWritten() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(ConsoleWriter.NAME)
                        instanceof ConsoleWriter writer) {
            writer.awaitWritten();
        }
    }

    /**
     * PF4J logs each plugin it cannot load with a stack trace, and is chatty at info about its own mechanics;
     * Turnout reports every plugin failure itself in one line, so PF4J is heard only at debug (its warnings
     * and errors, traces included).
     */
    static Level pf4jLevel(Level level) {
        return level.isGreaterOrEqual(Level.INFO) ? Level.OFF : Level.WARN;
    }
}
