package dev.turnout.host.inbound.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/**
 * The headers that concern one connection only (RFC 9110 7.6.1): a proxy removes them from what it passes on,
 * so a client's {@code Proxy-Authorization} or {@code Connection}-named headers never reach the server, and
 * the server's never reach the client.
 */
final class HopByHop {

    private static final AsciiString[] ALWAYS = {HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER, AsciiString.cached("proxy-connection")};

    private HopByHop() {
    }

    /** An upgrade request: {@code Upgrade} and a {@code Connection} naming it. */
    static boolean isUpgrade(HttpMessage message) {
        HttpHeaders h = message.headers();
        return h.contains(HttpHeaderNames.UPGRADE)
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /**
     * Removes the hop-by-hop headers of {@code message}; {@code upgrading} keeps {@code Upgrade} and
     * {@code Connection: upgrade}. Never removes the framing ({@code Content-Length}, {@code Transfer-Encoding})
     * or {@code Host}, whatever {@code Connection} names: the codecs frame the message by them, and a body
     * sent without its length would be read by the next hop as a request of its own.
     */
    static void strip(HttpMessage message, boolean upgrading) {
        HttpHeaders h = message.headers();
        for (String value : h.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !isFraming(name) && !(upgrading && name.equalsIgnoreCase("upgrade"))) {
                    h.remove(name);
                }
            }
        }
        h.remove(HttpHeaderNames.CONNECTION);
        for (AsciiString name : ALWAYS) {
            h.remove(name);
        }
        List<String> proxyHeaders = new ArrayList<>(2);
        for (String name : h.names()) {
            if (name.regionMatches(true, 0, "proxy-", 0, 6)) {
                proxyHeaders.add(name);
            }
        }
        proxyHeaders.forEach(h::remove);
        if (upgrading) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else {
            h.remove(HttpHeaderNames.UPGRADE);
        }
    }

    private static boolean isFraming(String name) {
        return HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.HOST.contentEqualsIgnoreCase(name);
    }
}
