package dev.turnout.plugins.shadowsocks;

import java.io.IOException;

/** What a Shadowsocks server sent cannot be right: a chunk that fails authentication, is too long or is cut short. */
final class ShadowsocksProtocolException extends IOException {

    ShadowsocksProtocolException(String message) {
        super(message);
    }
}
