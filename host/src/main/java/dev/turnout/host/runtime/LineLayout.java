package dev.turnout.host.runtime;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Turnout's log line: local time to the millisecond, the level padded to five, the logger's simple name, the
 * message, then the stack of a throwable if there is one; what the pattern
 * {@code %d{yyyy-MM-dd'T'HH:mm:ss.SSS} %-5level %logger{0} %msg%n} gives. Written out because logback's
 * PatternLayout parses its pattern with about 150 classes of its own (68 of them lambdas for its converter table)
 * at every start, about 1 MB of a start's resident memory for one fixed format.
 */
final class LineLayout extends LayoutBase<ILoggingEvent> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        TIME.formatTo(LocalDateTime.ofInstant(Instant.ofEpochMilli(event.getTimeStamp()), ZoneId.systemDefault()),
                line);
        String level = event.getLevel().toString();
        line.append(' ').append(level).append("     ", 0, Math.max(0, 5 - level.length()));
        String logger = event.getLoggerName();
        line.append(' ').append(logger, logger.lastIndexOf('.') + 1, logger.length())
                .append(' ').append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(ThrowableProxyUtil.asString(thrown));
        }
        return line.toString();
    }
}
