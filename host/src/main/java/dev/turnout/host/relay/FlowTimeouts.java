package dev.turnout.host.relay;

import java.time.Duration;

/**
 * How long a relayed TCP flow may sit with nothing moving: {@code idle} while both directions are open,
 * {@code halfClosed} once one has ended (a FIN passed on). The second is short because a server that ignores the
 * FIN would otherwise hold the flow's two descriptors for the whole idle timeout.
 *
 * @param idle {@code null} for none: a flow with both directions open lasts until an end closes it, as in Clash and
 *     sing-box, TCP keepalive finding an end that is gone ({@code TcpKeepAlive})
 */
public record FlowTimeouts(Duration idle, Duration halfClosed) {

    public FlowTimeouts {
        if (idle != null && (idle.isNegative() || idle.isZero()) || halfClosed.isNegative() || halfClosed.isZero()) {
            throw new IllegalArgumentException("flow timeouts must be positive: " + idle + ", " + halfClosed);
        }
    }

    /** The idle timeout, or {@code fallback} where there is none. */
    public Duration idleOr(Duration fallback) {
        return idle != null ? idle : fallback;
    }

    /** No idle timeout while both directions are open; {@code halfClosed} once one has ended. */
    public static FlowTimeouts halfClosedOnly(Duration halfClosed) {
        return new FlowTimeouts(null, halfClosed);
    }
}
