package dev.turnout.host.controller;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import dev.turnout.host.runtime.Logging;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Fans log events out to the controller's {@code /logs} subscribers. Appending never blocks: each
 * subscriber decides itself whether it can take a line (and drops it when its client is slow). Not logback's
 * synchronized {@code AppenderBase}: every flow's routing line comes here from the flow's own loop, and with a
 * dashboard's log page open each line is formatted here; the subscribers' list and sinks are safe to share, so the
 * loops need not take one lock in turn for it.
 *
 * <p>A subscriber sees every level it asks for, as mihomo's do, not only what the config's {@code log-level} lets
 * through to standard error: while one asks for more, the loggers pass more ({@link Logging#listen}).
 */
final class LogHub extends UnsynchronizedAppenderBase<ILoggingEvent> implements Logging.Listener {

    private static final Level[] LEVELS = {Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR};

    /**
     * One {@code /logs} client: what it wants to see and where lines go; {@code structured} is mihomo's
     * {@code format=structured} ({@code {"time","level","message","fields"}}, which Clash Verge Rev reads).
     */
    record Subscriber(int minLevel, boolean structured, Consumer<String> sink) {
    }

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    /** Clash's level names, by severity: debug 0, info 1, warning 2, error 3; silent and unknown names are -1. */
    static int severity(String clashLevel) {
        return switch (clashLevel == null ? "info" : clashLevel.toLowerCase(Locale.ROOT)) {
            case "debug" -> 0;
            case "info" -> 1;
            case "warning", "warn" -> 2;
            case "error" -> 3;
            case "silent" -> 4;
            default -> -1;
        };
    }

    static String clashName(Level level) {
        if (level.isGreaterOrEqual(Level.ERROR)) {
            return "error";
        }
        if (level.isGreaterOrEqual(Level.WARN)) {
            return "warning";
        }
        if (level.isGreaterOrEqual(Level.INFO)) {
            return "info";
        }
        return "debug";
    }

    /** Attaches to the root logger; false when the logging backend is not logback. */
    boolean install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return false;
        }
        setContext(context);
        setName("turnout-controller-logs");
        start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(this);
        return true;
    }

    void uninstall() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.detachAppender(this);
        }
        stop();
        synchronized (subscribers) {
            subscribers.clear();
            Logging.listen(null);
        }
    }

    Subscriber subscribe(int minLevel, Consumer<String> sink) {
        return subscribe(minLevel, false, sink);
    }

    Subscriber subscribe(int minLevel, boolean structured, Consumer<String> sink) {
        Subscriber s = new Subscriber(minLevel, structured, sink);
        synchronized (subscribers) {
            subscribers.add(s);
            listenForSubscribers();
        }
        return s;
    }

    void unsubscribe(Subscriber s) {
        synchronized (subscribers) {
            if (subscribers.remove(s)) {
                listenForSubscribers();
            }
        }
    }

    /** Has the loggers pass the most verbose level a subscriber asks for, or only the config's once none asks. */
    private void listenForSubscribers() {
        int most = LEVELS.length;
        for (Subscriber s : subscribers) {
            most = Math.min(most, Math.max(s.minLevel(), 0));
        }
        Logging.listen(most < LEVELS.length ? LEVELS[most] : null);
    }

    int subscriberCount() {
        return subscribers.size();
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (subscribers.isEmpty()) {
            return;
        }
        String type = clashName(event.getLevel());
        int sev = severity(type);
        String payload = event.getLoggerName().substring(event.getLoggerName().lastIndexOf('.') + 1) + " "
                + event.getFormattedMessage();
        String line = null;
        String structured = null;
        for (Subscriber s : subscribers) {
            if (sev < s.minLevel()) {
                continue;
            }
            if (s.structured()) {
                if (structured == null) {
                    String time = LocalTime.ofInstant(Instant.ofEpochMilli(event.getTimeStamp()), ZoneId.systemDefault())
                            .format(CLOCK);
                    structured = "{\"time\":\"" + time + "\",\"level\":\"" + ("warning".equals(type) ? "warn" : type)
                            + "\",\"message\":" + Json.write(payload) + ",\"fields\":[]}";
                }
                s.sink().accept(structured);
            } else {
                if (line == null) {
                    line = "{\"type\":\"" + type + "\",\"payload\":" + Json.write(payload) + "}";
                }
                s.sink().accept(line);
            }
        }
    }
}
