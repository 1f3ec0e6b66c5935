package dev.turnout.host.sniff;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** The {@code Host} header of the HTTP/1 request a flow starts with, read from the bytes seen so far. */
final class HttpRequestHead {

    private static final Set<String> METHODS = Set.of("GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT",
            "PATCH", "TRACE");
    private static final int LONGEST_METHOD = 7;
    /** A request head longer than this is not waited for (servers refuse far shorter ones). */
    static final int MAX_LENGTH = 16 * 1024;

    private HttpRequestHead() {
    }

    static SniffResult host(ByteBuf seen) {
        int start = seen.readerIndex();
        int end = Math.min(seen.writerIndex(), start + MAX_LENGTH);
        // The method, up to the first space: decides early that a flow is not HTTP.
        int space = -1;
        for (int i = start; i < end && i <= start + LONGEST_METHOD; i++) {
            byte b = seen.getByte(i);
            if (b == ' ') {
                space = i;
                break;
            }
            if ((b < 'A' || b > 'Z') && (b < 'a' || b > 'z')) {
                return SniffResult.NONE; // methods are letters
            }
        }
        if (space < 0) {
            return end - start > LONGEST_METHOD ? SniffResult.NONE : SniffResult.MORE;
        }
        // Any case, and lines ended by a bare LF too, as mihomo's sniffer reads them (and servers such as nginx).
        String method = seen.toString(start, space - start, StandardCharsets.US_ASCII);
        if (!METHODS.contains(method.toUpperCase(java.util.Locale.ROOT))) {
            return SniffResult.NONE;
        }
        int line = lineEnd(seen, space, end);
        while (line >= 0) {
            int next = line + 1;
            int after = lineEnd(seen, next, end);
            if (after < 0) {
                break;
            }
            int content = after > next && seen.getByte(after - 1) == '\r' ? after - 1 : after;
            if (content == next) {
                return SniffResult.NONE; // the end of the head, no Host
            }
            String header = seen.toString(next, content - next, StandardCharsets.ISO_8859_1);
            int colon = header.indexOf(':');
            if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("host")) {
                return withoutPort(header.substring(colon + 1).trim());
            }
            line = after;
        }
        return seen.writerIndex() - start >= MAX_LENGTH ? SniffResult.NONE : SniffResult.MORE;
    }

    /** The index of the next LF at or after {@code from}, or -1 when the bytes end first. */
    private static int lineEnd(ByteBuf seen, int from, int end) {
        for (int i = from; i < end; i++) {
            if (seen.getByte(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static SniffResult withoutPort(String value) {
        if (value.startsWith("[")) {
            return SniffResult.NONE; // an IPv6 literal
        }
        int colon = value.indexOf(':');
        return SniffResult.ofName(colon >= 0 ? value.substring(0, colon) : value);
    }
}
