package dev.turnout.host.tunnel;

/**
 * Told, on the inbound's event loop, whether a routed stream could be opened, before any payload is relayed.
 * SOCKS5 and HTTP inbounds write their success or error reply here; the TUN inbound needs neither.
 */
public interface StreamReadiness {

    /** The outbound is connected; relaying starts right after this returns. */
    void connected();

    /** The flow could not be opened; {@code cause} is a {@link dev.turnout.api.RejectedException} when refused. */
    void failed(Throwable cause);

    StreamReadiness SILENT = new StreamReadiness() {
        @Override
        public void connected() {
        }

        @Override
        public void failed(Throwable cause) {
        }
    };
}
