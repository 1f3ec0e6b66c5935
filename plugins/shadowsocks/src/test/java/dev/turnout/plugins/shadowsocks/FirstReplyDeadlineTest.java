package dev.turnout.plugins.shadowsocks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What a flow that ends before the ss server answered says. */
class FirstReplyDeadlineTest {

    private static List<String> said(Runnable r) {
        Logger logger = (Logger) LoggerFactory.getLogger(FirstReplyDeadline.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            r.run();
        } finally {
            logger.setLevel(level);
            logger.detachAppender(logged);
        }
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aConnectionClosedHereBeforeTheAnswerBlamesNobody() {
        // The groups tester's F3: a delay test abandoned at its own timeout was said to be a wrong password.
        assertEquals(List.of(), said(() -> {
            EmbeddedChannel ch = new EmbeddedChannel(new FirstReplyDeadline(5000, "ss 'n'"));
            ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
            ch.close();
        }));
    }

    @Test
    void theServersCloseBeforeTheAnswerIsStillSaid() {
        List<String> said = said(() -> {
            EmbeddedChannel ch = new EmbeddedChannel(new FirstReplyDeadline(5000, "ss 'n'"));
            ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
            ch.pipeline().fireChannelInactive(); // as the transport reports the peer's close
        });
        assertEquals(1, said.size(), said.toString());
    }
}
