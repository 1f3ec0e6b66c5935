/**
 * The contract between Turnout and its outbound plugins.
 *
 * <p>A plugin contributes one or more {@link dev.turnout.api.OutboundType}s (an extension point, found
 * through PF4J's {@code @Extension}). Each type builds named {@link dev.turnout.api.Outbound}s from the
 * YAML map a user wrote under {@code proxies:}. An outbound opens streams and datagram sessions to the
 * destination a flow's {@link dev.turnout.api.Metadata} describes.
 *
 * <p>The host hands every outbound a {@link dev.turnout.api.Dialer} for its own upstream connections
 * (a SOCKS5 outbound's connection to its server, for instance). That dialer is the host's socket bound to
 * the physical interface, or another outbound when the user chains them with {@code dialer-proxy}; an
 * outbound is itself a dialer, so chains need no special case.
 *
 * <p>For protocols built on SOCKS5's address fields (SOCKS5 itself, Shadowsocks, Trojan), {@link
 * dev.turnout.api.SocksAddress} reads and writes them; {@link dev.turnout.api.OutboundContext#tls} and
 * {@link dev.turnout.api.OutboundContext#webSocket} put TLS and a WebSocket under a plugin's protocol.
 * {@link dev.turnout.api.Steps} chains the steps of opening a connection (dial, layers, handshake) so that a
 * flow that is dropped, fails or times out never leaves the connection open.
 *
 * <p>Plugins compile against this module, PF4J and Netty with {@code provided} scope and never bundle
 * them: the host shares its own copies, parent-first.
 */
package dev.turnout.api;
