package dev.turnout.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** When a stop waits for the start and when it ends the run at once; each stop acted out by calling the hook. */
class StopAnyTimeTest {

    private final List<String> ran = new CopyOnWriteArrayList<>();

    @Test
    void aStopWhileTheStartPreparesGivesBackTheLockAtOnceAndNothingMayOpenAfterIt() {
        StopAnyTime s = new StopAnyTime(() -> ran.add("early"));
        s.preparing();
        assertTimeoutPreemptively(Duration.ofSeconds(5), s::onShutdown, "it waited for a start that never ends");
        assertEquals(List.of("early"), ran);
        assertFalse(s.opening(), "inbounds opened after the stop ended the run");
    }

    @Test
    void aStopWhileTheLockIsTakenWaitsForTheStartAndThenStopsWhatItStarted() throws Exception {
        StopAnyTime s = new StopAnyTime(() -> ran.add("early"));
        CompletableFuture<Void> stop = CompletableFuture.runAsync(s::onShutdown);
        assertWaits(stop);
        s.preparing();
        assertTrue(s.opening(), "the start goes on to open its inbounds");
        s.running(() -> ran.add("stop"));
        stop.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("stop"), ran);
    }

    @Test
    void aStopWhileInboundsOpenWaitsForThem() throws Exception {
        StopAnyTime s = new StopAnyTime(() -> ran.add("early"));
        s.preparing();
        assertTrue(s.opening());
        CompletableFuture<Void> stop = CompletableFuture.runAsync(s::onShutdown);
        assertWaits(stop);
        s.running(() -> ran.add("stop"));
        stop.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("stop"), ran);
    }

    @Test
    void aStopAfterAStartThatFailedGivesBackTheLockWithoutWaiting() {
        StopAnyTime s = new StopAnyTime(() -> ran.add("early"));
        s.preparing();
        s.settled(); // the start failed (a port another program holds) and said so
        assertTimeoutPreemptively(Duration.ofSeconds(5), s::onShutdown);
        assertEquals(List.of("early"), ran);
    }

    private static void assertWaits(CompletableFuture<Void> stop) throws Exception {
        try {
            stop.get(300, TimeUnit.MILLISECONDS);
            throw new AssertionError("the stop did not wait for the start");
        } catch (TimeoutException expected) {
            // still waiting, as it should
        }
    }
}
