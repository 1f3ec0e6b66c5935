package dev.turnout.host.tunnel;

import io.netty.channel.Channel;

/**
 * Told, on the inbound's event loop, whether a routed stream could be opened, before any payload is relayed.
 * SOCKS5 and HTTP inbounds write their success or error reply here; the TUN inbound needs neither.
 */
public interface StreamReadiness {

    /**
     * The outbound is connected; relaying starts right after this returns. The inbound may write what it
     * already holds for the destination (a rewritten HTTP request head, bytes the client sent early) to
     * {@code outbound} first.
     */
    void connected(Channel outbound);

    /** The flow could not be opened; {@code cause} is a {@link dev.turnout.api.RejectedException} when refused. */
    void failed(Throwable cause);

    StreamReadiness SILENT = new StreamReadiness() {
        @Override
        public void connected(Channel outbound) {
        }

        @Override
        public void failed(Throwable cause) {
        }
    };
}
