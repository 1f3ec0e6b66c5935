package dev.turnout.plugins.trojan;

import java.io.IOException;

/** The server sent what Trojan does not allow; the flow ends. */
final class TrojanProtocolException extends IOException {

    TrojanProtocolException(String message) {
        super(message);
    }
}
