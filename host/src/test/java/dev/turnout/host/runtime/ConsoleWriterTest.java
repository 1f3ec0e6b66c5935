package dev.turnout.host.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConsoleWriterTest {

    private final LoggerContext context = new LoggerContext();
    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final Recorded out = new Recorded();

    @AfterEach
    void stop() throws InterruptedException {
        out.release();
        context.stop();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    @Test
    void aLoopNeverWaitsForStandardErrorAndWhatItCouldNotQueueIsCountedWhereItWentMissing() throws Exception {
        Duration patience = Duration.ofSeconds(10);
        Logger log = writerLogger(patience);
        out.hold();
        int lines = 3_000;
        // Standard error takes nothing: every call from the loop returns at once (a thread that waits would wait
        // out the patience at least once).
        long start = System.nanoTime();
        loop.submit(() -> {
            assertTrue(Thread.currentThread() instanceof FastThreadLocalThread, "a Netty loop's thread");
            for (int i = 0; i < lines; i++) {
                log.info("line {}", i);
            }
        }).get(30, TimeUnit.SECONDS);
        long took = System.nanoTime() - start;
        assertTrue(took < patience.toNanos() / 2, "the loop waited: " + took / 1_000_000 + " ms");
        out.release();
        writer().awaitWritten();
        loop.submit(() -> log.info("after")).get(30, TimeUnit.SECONDS);
        writer().awaitWritten();

        List<String> written = out.messages();
        int kept = 0;
        while (kept < written.size() && written.get(kept).equals("line " + kept)) {
            kept++;
        }
        assertTrue(kept >= ConsoleWriter.CAPACITY, kept + " lines kept: " + written.subList(0, 3));
        Matcher dropped = Pattern.compile("(\\d+) log lines dropped: standard error did not take them")
                .matcher(written.get(kept));
        assertTrue(dropped.matches(), written.get(kept));
        assertEquals(lines, kept + Integer.parseInt(dropped.group(1)), "every line written or counted: " + kept
                + " kept, then " + written.subList(kept, Math.min(kept + 2, written.size())));
        assertEquals(List.of("after"), written.subList(kept + 1, written.size()));
        assertEquals("WARN", out.levels().get(kept));
    }

    @Test
    void aLineFromAnyOtherThreadIsWrittenWhenTheCallReturnsAfterWhatTheLoopsQueuedBeforeIt() throws Exception {
        Logger log = writerLogger(Duration.ofSeconds(30));
        out.slowBy(Duration.ofMillis(20));
        loop.submit(() -> {
            for (int i = 0; i < 10; i++) {
                log.info("from the loop {}", i);
            }
        }).get(30, TimeUnit.SECONDS);
        log.info("from the test");

        List<String> written = out.messages();
        assertEquals(11, written.size(), written.toString());
        assertEquals("from the loop 9", written.get(9));
        assertEquals("from the test", written.get(10));
    }

    @Test
    void aLineFromAnotherThreadWaitsAtMostItsPatienceAndNotAgainWhileStandardErrorStaysStuck() throws Exception {
        Duration patience = Duration.ofSeconds(2);
        Logger log = writerLogger(patience);
        out.hold();
        long start = System.nanoTime();
        log.info("first");
        long first = System.nanoTime() - start;
        start = System.nanoTime();
        log.info("second");
        long second = System.nanoTime() - start;
        assertTrue(first >= patience.toNanos() - TimeUnit.MILLISECONDS.toNanos(50), first / 1_000_000 + " ms");
        assertTrue(second < patience.toNanos() / 2, "waited again: " + second / 1_000_000 + " ms");

        out.release();
        writer().awaitWritten();
        assertEquals(List.of("first", "second"), out.messages());
    }

    @Test
    void onceStandardErrorTakesLinesAgainAnotherThreadsLinesWaitForItAgain() throws Exception {
        Logger log = writerLogger(Duration.ofMillis(300));
        out.hold();
        log.info("stuck");
        log.info("gave up waiting");
        out.release();
        writer().awaitWritten();
        assertEquals(List.of("stuck", "gave up waiting"), out.messages());
        out.slowBy(Duration.ofMillis(100));
        log.info("waited for");
        assertEquals(List.of("stuck", "gave up waiting", "waited for"), out.messages());
    }

    private Logger writerLogger(Duration patience) {
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // as logback's own start-up does
        context.start();
        LayoutBase<ILoggingEvent> layout = new LayoutBase<>() {
            @Override
            public String doLayout(ILoggingEvent event) {
                return event.getLevel() + " " + event.getFormattedMessage() + "\n";
            }
        };
        ConsoleWriter writer = new ConsoleWriter(layout, () -> out, patience);
        writer.setContext(context);
        writer.setName(ConsoleWriter.NAME);
        writer.start();
        Logger log = context.getLogger("test");
        log.setAdditive(false);
        log.addAppender(writer);
        return log;
    }

    private ConsoleWriter writer() {
        return (ConsoleWriter) context.getLogger("test").getAppender(ConsoleWriter.NAME);
    }

    /** Standard error as the test has it: it can stop taking lines, and be slow. */
    private static final class Recorded extends OutputStream {
        private final StringBuilder written = new StringBuilder();
        private volatile CountDownLatch held = new CountDownLatch(0);
        private volatile long slowMillis;

        void hold() {
            held = new CountDownLatch(1);
        }

        void release() {
            held.countDown();
        }

        void slowBy(Duration d) {
            slowMillis = d.toMillis();
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                held.await(60, TimeUnit.SECONDS);
                Thread.sleep(slowMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                written.append(new String(b, off, len, java.nio.charset.Charset.defaultCharset()));
            }
        }

        private synchronized List<String> lines() {
            return written.isEmpty() ? List.of() : List.of(written.toString().split("\n"));
        }

        List<String> messages() {
            return lines().stream().map(line -> line.substring(line.indexOf(' ') + 1)).toList();
        }

        List<String> levels() {
            return lines().stream().map(line -> line.substring(0, line.indexOf(' '))).toList();
        }
    }
}
