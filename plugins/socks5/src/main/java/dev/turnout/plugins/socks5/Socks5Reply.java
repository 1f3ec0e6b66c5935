package dev.turnout.plugins.socks5;

import dev.turnout.api.RejectedException;

/** The REP field of a SOCKS5 reply (RFC 1928 section 6), turned into what the host understands. */
final class Socks5Reply {

    static final int SUCCEEDED = 0x00;
    static final int NOT_ALLOWED = 0x02;

    private Socks5Reply() {
    }

    /**
     * The failure for a non-success reply: "not allowed by ruleset" is a refusal by design, so the inbound
     * can pass it on as one; anything else is a failed connection.
     */
    static Exception failure(int code, String server, String request) {
        String text = "SOCKS5 server " + server + " answered " + request + " with 0x" + hex(code) + " (" + meaning(code) + ")";
        if (code == NOT_ALLOWED) {
            return new RejectedException(text);
        }
        return new java.io.IOException(text);
    }

    static String meaning(int code) {
        return switch (code) {
            case 0x01 -> "general failure";
            case NOT_ALLOWED -> "connection not allowed by ruleset";
            case 0x03 -> "network unreachable";
            case 0x04 -> "host unreachable";
            case 0x05 -> "connection refused";
            case 0x06 -> "TTL expired";
            case 0x07 -> "command not supported";
            case 0x08 -> "address type not supported";
            default -> "unassigned reply code";
        };
    }

    private static String hex(int code) {
        return code < 0x10 ? "0" + Integer.toHexString(code) : Integer.toHexString(code);
    }
}
