package dev.turnout.host.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A flow's timeouts on the clock of an embedded channel, stopped and moved by hand: when a flow is ended, when it is
 * left alone, and that it leaves no task behind. RelayTest checks the same ends through real sockets.
 */
class FlowTimerTest {

    private static final FlowTimeouts TIMEOUTS = new FlowTimeouts(Duration.ofSeconds(600), Duration.ofSeconds(30));

    private final EmbeddedChannel application = new EmbeddedChannel();
    private final EmbeddedChannel outbound = new EmbeddedChannel();

    @BeforeEach
    void stopTheClock() {
        application.freezeTime();
    }

    /** Moves the application's loop's clock on by {@code seconds} and runs what is due. */
    private void after(long seconds) {
        application.advanceTimeBy(seconds, TimeUnit.SECONDS);
        application.runScheduledPendingTasks();
    }

    private void assertOpen(String why) {
        assertTrue(application.isOpen() && outbound.isOpen(), why);
    }

    private void assertEnded(String why) {
        assertFalse(application.isOpen(), why + ": the application's side");
        assertFalse(outbound.isOpen(), why + ": the outbound");
    }

    @Test
    void aFlowWithNothingMovingIsEndedAtTheIdleTimeoutAndNotBefore() {
        FlowTimer.start(application, outbound, TIMEOUTS);
        after(599);
        assertOpen("599 s of a 600 s idle timeout");
        after(1);
        assertEnded("600 s with nothing moving");
    }

    @Test
    void aReadOnEitherSideStartsTheIdleTimeoutAgain() {
        FlowTimer timer = FlowTimer.start(application, outbound, TIMEOUTS);
        after(500);
        timer.moved();
        after(500);
        assertOpen("500 s after the last read");
        after(100);
        assertEnded("600 s after the last read");
    }

    @Test
    void aFlowWithOneDirectionEndedIsEndedAfterTheHalfClosedTimeoutFromTheEnd() {
        FlowTimer timer = FlowTimer.start(application, outbound, TIMEOUTS);
        after(100);
        timer.oneDirectionEnded();
        after(29);
        assertOpen("29 s after a FIN, with a 30 s half-closed timeout");
        after(1);
        assertEnded("30 s after a FIN with nothing moving");
    }

    @Test
    void aHalfClosedFlowThatKeepsMovingLivesOnPastBothTimeouts() {
        FlowTimer timer = FlowTimer.start(application, outbound, TIMEOUTS);
        timer.oneDirectionEnded();
        for (int i = 0; i < 40; i++) {
            after(20);
            timer.moved();
        }
        assertOpen("800 s, never more than 20 s without a read");
    }

    @Test
    void aHalfClosedFlowWaitsOutTheIdleTimeoutForASideThatHasYetToTakeWhatTurnoutHolds() {
        FlowTimer timer = FlowTimer.start(application, outbound, TIMEOUTS);
        timer.oneDirectionEnded();
        // Written, not yet taken: what a relay holds for an application that reads slowly.
        application.write(Unpooled.wrappedBuffer(new byte[100]));
        for (int i = 0; i < 20; i++) {
            after(30);
        }
        assertOpen("600 s while the application has yet to take 100 bytes");
        after(60);
        assertEnded("the idle timeout after the held bytes last moved");
    }

    @Test
    void aSideTakingWhatTurnoutHoldsIsMovingToo() {
        FlowTimer.start(application, outbound, TIMEOUTS);
        // An upload Turnout holds for a server slow to take it; no side reads anything from here on.
        outbound.write(Unpooled.wrappedBuffer(new byte[100]));
        after(600);
        assertOpen("600 s, with the held upload seen when the timer ran");
        after(590);
        outbound.flush();
        after(10);
        assertOpen("the server took what Turnout held 10 s ago");
        after(600);
        assertEnded("600 s after the server took it, with nothing moving since");
    }

    @Test
    void aClosedFlowLeavesNoTaskOnItsLoop() throws Exception {
        // A loop of its own that can tell whether anything is scheduled on it (an embedded channel cancels its
        // loop's tasks itself when it closes, which would hide a timer left behind).
        Loop loop = new Loop();
        try {
            Channel app = new LocalChannel();
            loop.register(app).sync();
            FlowTimer.start(app, outbound, TIMEOUTS);
            assertTrue(loop.submit(loop::anythingScheduled).get(5, TimeUnit.SECONDS), "the idle timeout is scheduled");
            app.close().sync();
            assertFalse(loop.submit(loop::anythingScheduled).get(5, TimeUnit.SECONDS),
                    "nothing scheduled: a task would hold the flow's channels for the idle timeout");
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static final class Loop extends DefaultEventLoop {
        boolean anythingScheduled() {
            return nextScheduledTaskNano() != -1;
        }
    }

    @Test
    void aHalfClosedTimeoutAsLongAsTheIdleOneLeavesTheIdleTimeoutAlone() {
        FlowTimer timer = FlowTimer.start(application, outbound,
                new FlowTimeouts(Duration.ofSeconds(600), Duration.ofSeconds(600)));
        after(300);
        timer.oneDirectionEnded();
        after(300);
        assertEnded("600 s from the start, as an idle flow");
    }

    /** Clash's and sing-box's way, with TCP keepalive finding an end that is gone: no idle timeout. */
    @Test
    void withoutAnIdleTimeoutAnIdleFlowLastsAndNothingIsScheduledUntilADirectionEnds() throws Exception {
        FlowTimeouts keepalive = FlowTimeouts.halfClosedOnly(Duration.ofSeconds(30));
        FlowTimer timer = FlowTimer.start(application, outbound, keepalive);
        after(24 * 3600);
        assertOpen("a day with nothing moving and both directions open");
        timer.oneDirectionEnded();
        after(29);
        assertOpen("29 s after a FIN");
        after(1);
        assertEnded("30 s after a FIN with nothing moving");

        Loop loop = new Loop();
        try {
            Channel app = new LocalChannel();
            loop.register(app).sync();
            FlowTimer.start(app, new EmbeddedChannel(), keepalive);
            assertFalse(loop.submit(loop::anythingScheduled).get(5, TimeUnit.SECONDS),
                    "no task per idle flow when there is no idle timeout");
            app.close().sync();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutAnIdleTimeoutAHalfClosedFlowStillWaitsForASlowReaderOnlySoLong() {
        FlowTimer timer = FlowTimer.start(application, outbound, FlowTimeouts.halfClosedOnly(Duration.ofSeconds(30)));
        timer.oneDirectionEnded();
        application.write(Unpooled.wrappedBuffer(new byte[100]));
        for (int i = 0; i < 19; i++) {
            after(30);
        }
        assertOpen("570 s while the application has yet to take 100 bytes");
        after(60);
        assertEnded("600 s: a reader that never reads does not hold the flow for ever");
    }
}
