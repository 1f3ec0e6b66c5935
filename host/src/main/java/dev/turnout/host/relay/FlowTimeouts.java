package dev.turnout.host.relay;

import java.time.Duration;

/**
 * How long a relayed TCP flow may sit with nothing moving: {@code idle} while both directions are open,
 * {@code halfClosed} once one has ended (a FIN passed on). The second is short because a server that ignores the
 * FIN would otherwise hold the flow's two descriptors for the whole idle timeout.
 */
public record FlowTimeouts(Duration idle, Duration halfClosed) {

    public FlowTimeouts {
        if (idle.isNegative() || idle.isZero() || halfClosed.isNegative() || halfClosed.isZero()) {
            throw new IllegalArgumentException("flow timeouts must be positive: " + idle + ", " + halfClosed);
        }
    }
}
