package dev.turnout.api;

/**
 * An outbound refused a flow on purpose (REJECT, or a proxy that said no). Inbounds answer at once: a TCP
 * reset, a SOCKS5 "connection not allowed" reply, an HTTP 403, rather than waiting for a timeout.
 */
public class RejectedException extends Exception {

    public RejectedException(String message) {
        super(message, null, false, false);
    }
}
