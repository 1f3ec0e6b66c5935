package dev.turnout.host.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What every logger says while it is open, for tests that check what reaches the log. */
public final class CapturedLog implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    public CapturedLog() {
        events.start();
        root.addAppender(events);
    }

    /**
     * The messages {@code loggers} said at WARN or above, formatted, in order: named, since event loops other tests
     * left behind may still be saying theirs.
     */
    public List<String> warnings(String... loggers) {
        List<String> names = List.of(loggers);
        return events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .filter(e -> names.contains(e.getLoggerName()))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        root.detachAppender(events);
    }
}
