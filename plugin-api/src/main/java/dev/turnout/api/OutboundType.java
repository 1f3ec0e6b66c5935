package dev.turnout.api;

import org.pf4j.ExtensionPoint;

/**
 * The extension point a plugin implements to add an outbound type. Annotate the implementation with
 * {@code @org.pf4j.Extension}; the host finds it when it loads the plugin.
 */
public interface OutboundType extends ExtensionPoint {

    /** The value of {@code type:} this builds, lower case ({@code socks5}). Unique across plugins. */
    String type();

    /**
     * Builds an outbound from the options the user wrote.
     *
     * <p>Called while Turnout starts, reloads ({@code SIGHUP}, the controller's {@code PUT /configs}) or checks a
     * config, off the event loops, and should return within milliseconds: do no network I/O here (connect in
     * {@link Dialer#openStream}, or in the background). The host says every 10 s that it waits for a create, and gives
     * one up that has not returned within 30 s: the start, reload or check then fails naming the entry, its type and
     * this plugin's jar, and the running config stays as it was. The host cannot stop the call: whatever it returns
     * after that is closed and never used.
     *
     * @throws OptionException naming the offending key when an option is missing or malformed
     */
    Outbound create(OutboundOptions options, OutboundContext context) throws OptionException;
}
