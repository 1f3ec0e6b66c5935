package dev.turnout.host.inbound.http;

import dev.turnout.api.Destination;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a request to an HTTP proxy goes: a CONNECT's {@code host:port}, or the authority of a plain request's
 * absolute URI, with the origin-form target and the Host the destination server is sent instead: the URI's
 * authority as the client wrote it, without user information (RFC 9112 3.2.2).
 */
record ProxyTarget(Destination destination, String originForm, String hostHeader) {

    /** Thrown with the status to answer. */
    static final class BadRequest extends Exception {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** A CONNECT's target: {@code host:port}. */
    static ProxyTarget connect(String authority) throws BadRequest {
        return new ProxyTarget(authority(authority, -1), null, null);
    }

    /** A plain request's absolute {@code http://} URI. */
    static ProxyTarget absolute(String target) throws BadRequest {
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
        return new ProxyTarget(authority(authority, 80), path, authority);
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
            return Destination.ofHost(host, port);
        } catch (IllegalArgumentException e) {
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
}
