/**
 * Layers the host puts under a plugin's protocol on a connection the plugin's dialer opened: TLS, a
 * WebSocket, a gRPC call, an HTTP/2 request. Plugins reach them through {@link dev.turnout.api.OutboundContext}; they stay in the pipeline
 * for the connection's life, so everything the relay writes passes through them.
 */
package dev.turnout.host.dial.layer;
