package dev.turnout.host.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Applies Clash's {@code log-level} to the logging backend, and lets the controller's {@code /logs} hear more than it
 * (mihomo streams every level a dashboard asks for, whatever the config's; only its standard output keeps to the
 * config's level). The loggers pass what the config's level or a listener's, whichever is more verbose, asks for;
 * the other appenders (standard error) keep to the config's level through a threshold. While nobody listens for more,
 * the loggers are at the config's level, so that the lines nobody wants are not even made.
 */
public final class Logging {

    /** An appender that takes every line the loggers pass (the controller's {@code /logs}), not only the config's. */
    public interface Listener {
    }

    /** Keeps an appender to the config's level while the loggers pass more for a listener; its level may change. */
    private static final class ConfiguredLevel extends Filter<ILoggingEvent> {

        private volatile Level level = Level.INFO;

        @Override
        public FilterReply decide(ILoggingEvent event) {
            return event.getLevel().isGreaterOrEqual(level) ? FilterReply.NEUTRAL : FilterReply.DENY;
        }
    }

    private static final ConfiguredLevel THRESHOLD = new ConfiguredLevel();
    /** The config's level ({@code log-level}, or a dashboard's since), as {@link ConsoleLogConfigurator} starts. */
    private static Level configured = Level.INFO;
    /** The most verbose level a listener asks for, or {@code null} while none listens. */
    private static Level listened;

    private Logging() {
    }

    public static synchronized void apply(String clashLevel) {
        configured = switch (clashLevel) {
            case "debug" -> Level.DEBUG;
            case "warning" -> Level.WARN;
            case "error" -> Level.ERROR;
            case "silent" -> Level.OFF;
            default -> Level.INFO;
        };
        update();
    }

    /**
     * The most verbose level a {@link Listener} wants from now on, or {@code null} when none wants any; standard
     * error keeps to the config's.
     */
    public static synchronized void listen(Level level) {
        listened = level;
        update();
    }

    private static void update() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        THRESHOLD.level = configured;
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> appender = it.next();
            if (!(appender instanceof Listener) && !appender.getCopyOfAttachedFiltersList().contains(THRESHOLD)) {
                appender.addFilter(THRESHOLD);
            }
        }
        root.setLevel(listened != null && !listened.isGreaterOrEqual(configured) ? listened : configured);
        // PF4J's lines go by the config's alone: they come to warnings, which standard error's threshold lets through.
        context.getLogger("org.pf4j").setLevel(pf4jLevel(configured));
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
