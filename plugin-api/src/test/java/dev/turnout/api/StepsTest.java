package dev.turnout.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StepsTest {

    private final EventLoop loop = new DefaultEventLoop();
    /** The connection a dial hands over. */
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Promise<Channel> dial = loop.newPromise();
    private final AtomicInteger stepsRun = new AtomicInteger();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A step that adds nothing and succeeds at once. */
    private Future<Channel> passOn(Channel c) {
        stepsRun.incrementAndGet();
        return loop.newSucceededFuture(c);
    }

    /** Whether {@code c} was closed by what the loop has run so far (an embedded channel closes at once). */
    private boolean closed(Channel c) throws Exception {
        drain();
        return c.closeFuture().isDone();
    }

    /** Runs a task on the loop and waits for it, so every listener queued before it has run. */
    private void drain() throws Exception {
        loop.submit(() -> { }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aSucceededDialGoesThroughTheStepAndStaysOpen() throws Exception {
        Future<Channel> ready = Steps.then(loop, dial, this::passOn);
        dial.setSuccess(channel);

        assertSame(channel, ready.get(5, TimeUnit.SECONDS));
        assertEquals(1, stepsRun.get());
        assertTrue(channel.isOpen());
    }

    @Test
    void aFailedDialFailsWithItsCauseAndRunsNoStep() throws Exception {
        Future<Channel> ready = Steps.then(loop, dial, this::passOn);
        IOException refused = new IOException("refused");
        dial.setFailure(refused);

        assertTrue(ready.await(5, TimeUnit.SECONDS));
        assertSame(refused, ready.cause());
        assertEquals(0, stepsRun.get());
    }

    @Test
    void cancellingBeforeTheDialCompletesCancelsTheDial() throws Exception {
        Future<Channel> ready = Steps.then(loop, dial, this::passOn);

        assertTrue(ready.cancel(false));
        drain();

        assertTrue(dial.isCancelled());
        assertEquals(0, stepsRun.get());
    }

    @Test
    void aConnectionThatArrivesAfterTheCancelIsClosedAndNotStepped() throws Exception {
        dial.setUncancellable();
        Future<Channel> ready = Steps.then(loop, dial, this::passOn);
        ready.cancel(false);
        drain();

        dial.setSuccess(channel);

        assertTrue(closed(channel));
        assertEquals(0, stepsRun.get());
    }

    @Test
    void cancellingDuringAStepCancelsItAndClosesTheConnection() throws Exception {
        Promise<Channel> handshake = loop.newPromise();
        Future<Channel> ready = Steps.then(loop, dial, c -> handshake);
        dial.setSuccess(channel);
        drain();
        assertTrue(channel.isOpen(), "the step is under way");

        ready.cancel(false);

        assertTrue(closed(channel));
        drain();
        assertTrue(handshake.isCancelled());
    }

    @Test
    void aStepThatCannotBeCancelledStillLosesItsConnection() throws Exception {
        Promise<Channel> handshake = loop.newPromise();
        handshake.setUncancellable();
        Future<Channel> ready = Steps.then(loop, dial, c -> handshake);
        dial.setSuccess(channel);
        drain();

        ready.cancel(false);
        assertTrue(closed(channel));
        // The step finishing later hands its value to nobody: released too.
        EmbeddedChannel late = new EmbeddedChannel();
        handshake.setSuccess(late);
        assertTrue(closed(late));
    }

    @Test
    void cancellingAfterSuccessChangesNothing() throws Exception {
        Future<Channel> ready = Steps.then(loop, dial, this::passOn);
        dial.setSuccess(channel);
        ready.get(5, TimeUnit.SECONDS);

        assertFalse(ready.cancel(false));
        drain();
        assertTrue(channel.isOpen());
    }

    @Test
    void aStepThatThrowsFailsTheChainAndClosesTheConnection() throws Exception {
        IOException tooLong = new IOException("name longer than 255 bytes");
        Future<Channel> ready = Steps.then(loop, dial, c -> {
            throw tooLong;
        });
        dial.setSuccess(channel);

        assertTrue(ready.await(5, TimeUnit.SECONDS));
        assertSame(tooLong, ready.cause());
        assertTrue(closed(channel));
    }

    @Test
    void aStepThatFailsFailsTheChainAndClosesTheConnection() throws Exception {
        IOException badCertificate = new IOException("certificate refused");
        Future<Channel> ready = Steps.then(loop, dial, c -> loop.newFailedFuture(badCertificate));
        dial.setSuccess(channel);

        assertTrue(ready.await(5, TimeUnit.SECONDS));
        assertSame(badCertificate, ready.cause());
        assertTrue(closed(channel));
    }

    @Test
    void cancellingALaterStepClosesTheConnectionAnEarlierStepProduced() throws Exception {
        Promise<Channel> upgrade = loop.newPromise();
        Future<Channel> secured = Steps.then(loop, dial, this::passOn);
        Future<Channel> ready = Steps.then(loop, secured, c -> upgrade);
        dial.setSuccess(channel);
        drain();
        assertTrue(secured.isSuccess());

        ready.cancel(false);

        assertTrue(closed(channel));
    }

    @Test
    void theStepsValueIsReleasedWithItsOwnRelease() throws Exception {
        AtomicInteger sessionsClosed = new AtomicInteger();
        Promise<String> session = loop.newPromise();
        session.setUncancellable();
        Future<String> opened = Steps.then(loop, dial, c -> session, Channel::close, s -> sessionsClosed.incrementAndGet());
        dial.setSuccess(channel);
        drain();

        opened.cancel(false);
        session.setSuccess("session");
        drain();

        assertEquals(1, sessionsClosed.get());
        assertTrue(closed(channel));
    }

    @Test
    void theConnectionIsReleasedOnceWhateverRacesToReleaseIt() throws Exception {
        AtomicInteger closes = new AtomicInteger();
        Promise<Channel> handshake = loop.newPromise();
        Future<Channel> ready = Steps.then(loop, dial, c -> handshake, c -> closes.incrementAndGet(), Channel::close);
        dial.setSuccess(channel);
        drain();

        ready.cancel(false);
        // The cancelled step fails too, which alone would also release the connection.
        drain();

        assertTrue(handshake.isCancelled());
        assertEquals(1, closes.get());
    }

    @Test
    void aDeadlineFailsWithItsOwnExceptionAndClosesTheChain() throws Exception {
        Promise<Channel> handshake = loop.newPromise();
        Future<Channel> ready = Steps.then(loop, dial, c -> handshake);
        Future<Channel> bounded = Steps.within(loop, ready, 50,
                () -> new SocketTimeoutException(dial.isDone() ? "no handshake" : "no connection"));
        dial.setSuccess(channel);

        assertTrue(bounded.await(5, TimeUnit.SECONDS));
        assertInstanceOf(SocketTimeoutException.class, bounded.cause());
        assertEquals("no handshake", bounded.cause().getMessage());
        assertTrue(closed(channel));
        assertTrue(ready.isCancelled());
    }

    @Test
    void workDoneInTimeIsHandedOverAndTheDeadlineNeverFires() throws Exception {
        Future<Channel> bounded = Steps.within(loop, Steps.then(loop, dial, this::passOn), 100,
                () -> new SocketTimeoutException("late"));
        dial.setSuccess(channel);
        assertSame(channel, bounded.get(5, TimeUnit.SECONDS));

        // Past the deadline: still handed over, still open.
        loop.schedule(() -> { }, 200, TimeUnit.MILLISECONDS).get(5, TimeUnit.SECONDS);
        assertTrue(bounded.isSuccess());
        assertTrue(channel.isOpen());
    }

    @Test
    void cancellingABoundedChainCancelsTheWork() throws Exception {
        Future<Channel> ready = Steps.then(loop, dial, this::passOn);
        Future<Channel> bounded = Steps.within(loop, ready, 60_000, () -> new SocketTimeoutException("late"));

        bounded.cancel(false);
        drain();

        assertTrue(ready.isCancelled());
        assertTrue(dial.isCancelled());
        assertInstanceOf(CancellationException.class, bounded.cause());
    }

    @Test
    void workThatSucceedsAfterTheDeadlineIsReleased() throws Exception {
        dial.setUncancellable();
        Future<Channel> bounded = Steps.within(loop, dial, 20, () -> new SocketTimeoutException("late"));
        assertTrue(bounded.await(5, TimeUnit.SECONDS));

        dial.setSuccess(channel);

        assertTrue(closed(channel));
    }
}
