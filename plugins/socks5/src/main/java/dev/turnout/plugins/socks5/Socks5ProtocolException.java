package dev.turnout.plugins.socks5;

import java.io.IOException;

/** The SOCKS5 server said something the protocol does not allow: it is not a SOCKS5 server, or broken. */
final class Socks5ProtocolException extends IOException {

    Socks5ProtocolException(String message) {
        super(message);
    }
}
