package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.runtime.Logging;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogHubTest {

    @Test
    void fansOutAtOrAboveEachSubscribersLevel() {
        LogHub hub = new LogHub();
        assertTrue(hub.install(), "tests run with logback");
        List<String> infos = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        try {
            hub.subscribe(LogHub.severity("info"), infos::add);
            hub.subscribe(LogHub.severity("error"), errors::add);
            LoggerFactory.getLogger("dev.turnout.test.Probe").info("hello {}", "🚀");
            LoggerFactory.getLogger("dev.turnout.test.Probe").error("broken");
        } finally {
            hub.uninstall();
        }
        assertEquals(List.of("{\"type\":\"info\",\"payload\":\"Probe hello 🚀\"}", "{\"type\":\"error\",\"payload\":\"Probe broken\"}"), infos);
        assertEquals(List.of("{\"type\":\"error\",\"payload\":\"Probe broken\"}"), errors);
    }

    /** Every flow's line comes from the flow's own loop: one loop inside the hub must not hold up another. */
    @Test
    void aLineFromOneThreadDoesNotWaitForAnotherThreadsLineToBeFannedOut() throws Exception {
        LogHub hub = new LogHub();
        assertTrue(hub.install(), "tests run with logback");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> got = new CopyOnWriteArrayList<>();
        Thread first = new Thread(() -> LoggerFactory.getLogger("dev.turnout.test.Probe").info("first"));
        try {
            hub.subscribe(LogHub.severity("info"), line -> {
                if (line.contains("first")) {
                    inside.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                got.add(line);
            });
            first.start();
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            CompletableFuture<Void> second = CompletableFuture.runAsync(
                    () -> LoggerFactory.getLogger("dev.turnout.test.Probe").info("second"));
            second.get(5, TimeUnit.SECONDS); // with one lock for both, this waits for the first line's sink
            assertEquals(List.of("{\"type\":\"info\",\"payload\":\"Probe second\"}"), got);
        } finally {
            release.countDown();
            first.join(10_000);
            hub.uninstall();
        }
    }

    @Test
    void mihomosStructuredFormatCarriesTimeLevelAndMessage() {
        LogHub hub = new LogHub();
        assertTrue(hub.install(), "tests run with logback");
        List<String> structured = new CopyOnWriteArrayList<>();
        List<String> plain = new CopyOnWriteArrayList<>();
        try {
            hub.subscribe(LogHub.severity("info"), true, structured::add);
            hub.subscribe(LogHub.severity("info"), false, plain::add);
            LoggerFactory.getLogger("dev.turnout.test.Probe").warn("careful \"{}\"", "x");
        } finally {
            hub.uninstall();
        }
        assertEquals(1, structured.size(), structured.toString());
        assertTrue(structured.get(0).matches("\\{\"time\":\"\\d\\d:\\d\\d:\\d\\d\",\"level\":\"warn\","
                + "\"message\":\"Probe careful \\\\\"x\\\\\"\",\"fields\":\\[]}"), structured.get(0));
        assertEquals(List.of("{\"type\":\"warning\",\"payload\":\"Probe careful \\\"x\\\"\"}"), plain);
    }

    @Test
    void knowsClashLevelNames() {
        assertEquals(0, LogHub.severity("debug"));
        assertEquals(2, LogHub.severity("warning"));
        assertEquals(-1, LogHub.severity("loud"));
    }

    /**
     * mihomo streams every level a dashboard asks for, whatever the config's log-level; standard error (Turnout's
     * log file when redirected) keeps to the config's, also after a change of it, and once the dashboard has gone
     * the lines it wanted are not even made.
     */
    @Test
    void aSubscriberHearsTheLevelItAsksForWhileStandardErrorKeepsToTheConfigsLevel() {
        org.slf4j.Logger probe = LoggerFactory.getLogger("dev.turnout.test.Probe");
        LogHub hub = new LogHub();
        assertTrue(hub.install(), "tests run with logback");
        List<String> infos = new CopyOnWriteArrayList<>();
        List<String> debugs = new CopyOnWriteArrayList<>();
        PrintStream err = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try {
            Logging.apply("warning");
            System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
            LogHub.Subscriber info = hub.subscribe(LogHub.severity("info"), infos::add);
            probe.info("route one");
            probe.warn("careful one");
            Logging.apply("error"); // a dashboard's PATCH, or a reload
            probe.info("route two");
            probe.warn("careful two");
            LogHub.Subscriber debug = hub.subscribe(LogHub.severity("debug"), debugs::add);
            probe.debug("dns three");
            hub.unsubscribe(debug);
            assertFalse(probe.isDebugEnabled(), "no one asks for debug any more");
            hub.unsubscribe(info);
            assertFalse(probe.isInfoEnabled(), "no one asks for info any more: the lines are not even made");
            probe.error("broken four");
            Logging.awaitWritten();
        } finally {
            System.setErr(err);
            hub.uninstall();
            Logging.apply("info");
        }
        assertEquals(List.of("{\"type\":\"info\",\"payload\":\"Probe route one\"}",
                "{\"type\":\"warning\",\"payload\":\"Probe careful one\"}",
                "{\"type\":\"info\",\"payload\":\"Probe route two\"}",
                "{\"type\":\"warning\",\"payload\":\"Probe careful two\"}"), infos);
        assertEquals(List.of("{\"type\":\"debug\",\"payload\":\"Probe dns three\"}"), debugs);
        String written = console.toString(StandardCharsets.UTF_8);
        assertTrue(written.contains("careful one") && written.contains("broken four"), written);
        assertFalse(written.contains("route") || written.contains("careful two") || written.contains("dns three"),
                written);
    }
}
