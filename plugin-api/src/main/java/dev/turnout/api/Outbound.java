package dev.turnout.api;

/**
 * A named way out, built by an {@link OutboundType} from the user's {@code proxies:} entry.
 *
 * <p>Outbounds are immutable once built; the host builds new ones on reload and closes the old ones when
 * their last flow ends.
 */
public interface Outbound extends Dialer, AutoCloseable {

    /** The name the user gave it, as rules and groups refer to it. */
    String name();

    /** Its type, as written after {@code type:} ({@code socks5}, {@code http} ...). */
    String type();

    /** Whether {@link #openDatagram} is supported; when false, UDP flows routed here are refused. */
    boolean supportsUdp();

    /**
     * Releases what the outbound holds. Flows already open may go on.
     *
     * <p>The host calls it once no flow uses the outbound any more (after a reload replaced it), or when Turnout
     * stops. What the outbound opened itself (a pool, a multiplexed connection, a thread, a connection of a
     * {@link DatagramSession} it keeps) is its own to close here. Stream connections it opened through
     * {@link OutboundContext#dialer()} and left open are closed by the host right after this returns, but only then:
     * one opened for a flow that has ended, or for a dial whose future the host cancelled (see
     * {@link Dialer#openStream}), should be closed by the outbound at once rather than held until a reload.
     */
    @Override
    default void close() {
    }
}
