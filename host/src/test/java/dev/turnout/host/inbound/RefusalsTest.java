package dev.turnout.host.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RefusalsTest {

    @Test
    void aClientTryingAgainAndAgainIsSaidOnceWithTheCountLater() {
        Logger logger = (Logger) LoggerFactory.getLogger("refusals-test");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            Refusals refusals = new Refusals("DEFAULT-REDIR");
            InetSocketAddress client = new InetSocketAddress("127.0.0.1", 40000);
            for (int i = 0; i < 1000; i++) {
                refusals.refused(logger, client, "not redirected");
            }
            List<String> lines = logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertEquals(List.of("DEFAULT-REDIR from /127.0.0.1:40000 not served: not redirected (1 refused so far)"),
                    lines, "the next line waits a minute");
        } finally {
            logger.detachAppender(logged);
        }
    }
}
