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
     * @throws OptionException naming the offending key when an option is missing or malformed
     */
    Outbound create(OutboundOptions options, OutboundContext context) throws OptionException;
}
