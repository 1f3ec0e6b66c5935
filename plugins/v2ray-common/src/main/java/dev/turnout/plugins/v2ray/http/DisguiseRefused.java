package dev.turnout.plugins.v2ray.http;

import java.io.IOException;

/**
 * The server answered the disguise's request with a refusal ({@code 404 Not Found}, as V2Ray answers a path it does
 * not serve) and ended the connection: the message says so, and the protocol's codec passes it on as it is rather
 * than guessing at a wrong uuid.
 */
public final class DisguiseRefused extends IOException {

    DisguiseRefused(String server, String status, Throwable cause) {
        super(server + " answered '" + status + "' and closed (does http-opts' path match the server's?)", cause);
    }
}
