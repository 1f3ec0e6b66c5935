package dev.turnout.api;

/** What the host gives an outbound when it builds one. */
public interface OutboundContext {

    /**
     * The dialer for the outbound's own upstream connections: the host's socket bound to the physical
     * interface, or the outbound named by the entry's {@code dialer-proxy} option.
     */
    Dialer dialer();

    /** Resolves names the way the host does ({@code hosts:}, then the configured nameservers). */
    Resolver resolver();
}
