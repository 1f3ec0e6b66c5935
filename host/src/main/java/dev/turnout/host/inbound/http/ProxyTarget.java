package dev.turnout.host.inbound.http;

import dev.turnout.api.Destination;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The head of a request sent to an HTTP proxy: a CONNECT to {@code host:port}, or a plain request with an
 * absolute URI. Parsed from raw bytes so that what follows the head reaches the destination untouched.
 */
record ProxyRequestHead(String method, String target, String version, List<String[]> headers,
                        Destination destination, String originForm) {

    boolean isConnect() {
        return "CONNECT".equals(method);
    }

    /** Thrown with the status to answer. */
    static final class BadRequest extends Exception {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    static ProxyRequestHead parse(String head) throws BadRequest {
        String[] lines = head.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
            throw new BadRequest(400, "malformed request line");
        }
        String method = requestLine[0];
        String target = requestLine[1];
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new BadRequest(400, "malformed header line");
            }
            headers.add(new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
        }
        if ("CONNECT".equals(method)) {
            return new ProxyRequestHead(method, target, requestLine[2], headers, authority(target, -1), null);
        }
        if (!target.regionMatches(true, 0, "http://", 0, 7)) {
            throw new BadRequest(400, target.regionMatches(true, 0, "https://", 0, 8)
                    ? "https:// URIs need CONNECT" : "a proxy request needs an absolute http:// URI");
        }
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new BadRequest(400, "malformed URI");
        }
        if (uri.getRawAuthority() == null) {
            throw new BadRequest(400, "URI without a host");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        String authority = uri.getRawAuthority();
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        return new ProxyRequestHead(method, target, requestLine[2], headers, authority(authority, 80), path);
    }

    /** {@code host:port}, {@code [v6]:port}, or {@code host} with {@code defaultPort}. */
    private static Destination authority(String authority, int defaultPort) throws BadRequest {
        String host;
        int port = defaultPort;
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            if (end < 0) {
                throw new BadRequest(400, "malformed IPv6 authority");
            }
            host = authority.substring(1, end);
            if (end + 1 < authority.length()) {
                if (authority.charAt(end + 1) != ':') {
                    throw new BadRequest(400, "malformed authority");
                }
                port = port(authority.substring(end + 2));
            }
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon >= 0) {
                host = authority.substring(0, colon);
                port = port(authority.substring(colon + 1));
            } else {
                host = authority;
            }
        }
        if (host.isEmpty() || port < 1) {
            throw new BadRequest(400, "authority needs a host and a port");
        }
        try {
            if (io.netty.util.NetUtil.isValidIpV4Address(host) || io.netty.util.NetUtil.isValidIpV6Address(host)) {
                return Destination.ofAddress(InetAddress.getByAddress(
                        io.netty.util.NetUtil.createByteArrayFromIpAddressString(host)), port);
            }
            return Destination.ofHost(host.toLowerCase(Locale.ROOT), port);
        } catch (java.net.UnknownHostException | IllegalArgumentException e) {
            throw new BadRequest(400, "bad host");
        }
    }

    private static int port(String text) throws BadRequest {
        try {
            int p = Integer.parseInt(text);
            if (p < 1 || p > 65535) {
                throw new BadRequest(400, "port out of range");
            }
            return p;
        } catch (NumberFormatException e) {
            throw new BadRequest(400, "malformed port");
        }
    }

    /** The request as the origin server should see it: origin-form, no proxy headers, one request only. */
    String rewrittenForOrigin() {
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(originForm).append(' ').append(version).append("\r\n");
        boolean hasHost = false;
        for (String[] h : headers) {
            String name = h[0].toLowerCase(Locale.ROOT);
            if (name.startsWith("proxy-") || name.equals("connection") || name.equals("keep-alive")) {
                continue;
            }
            hasHost |= name.equals("host");
            sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        if (!hasHost) {
            sb.append("Host: ").append(destination.hostOrAddress());
            if (destination.port() != 80) {
                sb.append(':').append(destination.port());
            }
            sb.append("\r\n");
        }
        // One request per connection: the next may be for another host, which this flow does not go to.
        sb.append("Connection: close\r\n\r\n");
        return sb.toString();
    }
}
