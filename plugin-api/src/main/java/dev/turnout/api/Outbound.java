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

    /** Releases what the outbound holds. Flows already open may go on. */
    @Override
    default void close() {
    }
}
