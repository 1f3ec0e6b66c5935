package dev.turnout.host.relay;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A timeout of zero or less would end every flow at once (or never arm): it is refused. */
class FlowTimeoutsTest {

    private static final Duration ONE = Duration.ofNanos(1);

    @Test
    void theShortestPositiveTimeoutsAreAccepted() {
        assertDoesNotThrow(() -> new FlowTimeouts(ONE, ONE));
    }

    @Test
    void aZeroOrNegativeIdleTimeoutIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FlowTimeouts(Duration.ZERO, ONE));
        assertThrows(IllegalArgumentException.class, () -> new FlowTimeouts(ONE.negated(), ONE));
    }

    @Test
    void aZeroOrNegativeHalfClosedTimeoutIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FlowTimeouts(ONE, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new FlowTimeouts(ONE, ONE.negated()));
        assertThrows(IllegalArgumentException.class, () -> FlowTimeouts.halfClosedOnly(Duration.ZERO));
        assertDoesNotThrow(() -> FlowTimeouts.halfClosedOnly(ONE));
    }
}
