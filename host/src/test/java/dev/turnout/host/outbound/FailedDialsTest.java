package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.util.concurrent.DefaultPromise;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When an automatic group's failed dials check its members at once. */
class FailedDialsTest {

    private static void fail(FailedDials d, Throwable cause) {
        Promise<Object> p = new DefaultPromise<>(ImmediateEventExecutor.INSTANCE);
        d.watch(p, 5000);
        p.setFailure(cause);
    }

    @Test
    void theFirstRefusedConnectionChecksAtOnceAsMihomosOnDialFailed() {
        // groupbase.go onDialFailed: strings.Contains(err.Error(), "connection refused") -> go gb.healthCheck()
        FailedDials d = new FailedDials("FB", 5);
        AtomicInteger checks = new AtomicInteger();
        d.onThreshold(checks::incrementAndGet);
        fail(d, new ConnectException("connection refused: 192.0.2.15:1080"));
        assertEquals(1, checks.get());
        // Netty's own words, wrapped by a plugin's dial
        fail(d, new IOException("socks5 'n5' failed", new ConnectException(
                "finishConnect(..) failed with error(-111): Connection refused: /192.0.2.15:1080")));
        assertEquals(2, checks.get());
    }

    @Test
    void otherFailuresCountTowardsMaxFailedTimes() {
        FailedDials d = new FailedDials("FB", 3);
        AtomicInteger checks = new AtomicInteger();
        d.onThreshold(checks::incrementAndGet);
        fail(d, new IOException("connection timed out after 10000 ms"));
        fail(d, new IOException("connection reset"));
        assertEquals(0, checks.get());
        fail(d, new IOException("connection timed out after 10000 ms"));
        assertEquals(1, checks.get());
    }
}
