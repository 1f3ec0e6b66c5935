package dev.turnout.host.controller;

import dev.turnout.host.config.ControllerCors;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * What web pages may do with the controller. Clash answers every origin with {@code *} and any
 * {@code Host}, so without a secret any page the user visits, or a DNS-rebinding name that points at
 * 127.0.0.1, can rewrite the config. Turnout is stricter:
 * <ul>
 * <li>bound to loopback, it answers only requests whose {@code Host} is a loopback name or address, so a
 *     rebinding name is refused even though the browser thinks it is same-origin;</li>
 * <li>another origin gets CORS answers only when {@code external-controller-cors: allow-origins} lists it
 *     ({@code *} for all), or, when that key is not set, when a secret is set: then the secret is the guard,
 *     as in Clash, and hosted dashboards ask for it;</li>
 * <li>without a secret, a request from an origin not allowed is refused outright, reads included: the page
 *     could not read the answer anyway, and WebSockets ({@code /logs}, {@code /connections}) are not
 *     protected by CORS at all;</li>
 * <li>{@code Access-Control-Allow-Private-Network} is sent only when configured.</li>
 * </ul>
 * The built-in {@code /ui/} and {@code external-ui} are served from the controller itself: same origin.
 */
final class BrowserGuard {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BrowserGuard.class);

    private final boolean loopbackOnly;
    private final boolean secretSet;
    private final List<String> allowOrigins;
    private final boolean allowPrivateNetwork;
    private final java.util.Set<String> logged = java.util.concurrent.ConcurrentHashMap.newKeySet();

    BrowserGuard(boolean loopbackOnly, boolean secretSet, ControllerCors cors) {
        this.loopbackOnly = loopbackOnly;
        this.secretSet = secretSet;
        this.allowOrigins = cors.allowOrigins() != null ? cors.allowOrigins() : secretSet ? List.of("*") : List.of();
        this.allowPrivateNetwork = cors.allowPrivateNetwork();
    }

    /** Why the request is refused (a short reason for a 403), or {@code null} when it may go on. */
    String refusal(HttpHeaders request) {
        String host = request.get(HttpHeaderNames.HOST);
        if (loopbackOnly && host != null && !isLoopbackHost(host)) {
            return said("Host '" + host + "' is not a loopback address; this controller listens on loopback only");
        }
        String origin = request.get(HttpHeaderNames.ORIGIN);
        if (origin != null && !secretSet && !sameOrigin(origin, host) && allowedOrigin(origin) == null) {
            return said("origin '" + origin + "' is not allowed: list it in external-controller-cors allow-origins, "
                    + "or set a secret");
        }
        return null;
    }

    /**
     * {@code reason}, logged the first time: a browser hides a refused preflight's answer from the page, so a hosted
     * dashboard said only "failed to connect", and the user had no way to learn why (mihomo allows every origin).
     * A few dozen reasons are remembered, so a page trying many names cannot fill the log.
     */
    private String said(String reason) {
        if (logged.size() < 32 && logged.add(reason)) {
            log.warn("controller: refused a browser's request: {}", reason);
        }
        return reason;
    }

    /**
     * The {@code Access-Control-Allow-Origin} to answer with: {@code *} when every origin is allowed (as Clash
     * answers), the request's own origin when it is listed, else {@code null}.
     */
    String allowedOrigin(String origin) {
        if (allowOrigins.contains("*")) {
            return "*";
        }
        String normal = origin == null ? null : ControllerCors.normalize(origin);
        return normal != null && allowOrigins.contains(normal) ? origin : null;
    }

    boolean allowPrivateNetwork() {
        return allowPrivateNetwork;
    }

    /** A page served by the controller itself ({@code /ui/}): its origin is this very scheme, host and port. */
    private static boolean sameOrigin(String origin, String host) {
        String normal = ControllerCors.normalize(origin);
        return host != null && normal != null && normal.equals(ControllerCors.normalize("http://" + host));
    }

    /** {@code localhost}, {@code 127.0.0.1}, {@code [::1]} and the like, each with or without a port. */
    static boolean isLoopbackHost(String host) {
        String h = host.trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0 || !portOrNothing(h.substring(end + 1))) {
                return false;
            }
            h = h.substring(1, end);
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0 && h.indexOf(':') == colon) {
                if (!portOrNothing(h.substring(colon))) {
                    return false;
                }
                h = h.substring(0, colon);
            }
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.toLowerCase(Locale.ROOT).equals("localhost")) {
            return true;
        }
        // Literal addresses only: a name is never looked up, so DNS has no say in the answer.
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(h);
        try {
            return literal != null && InetAddress.getByAddress(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean portOrNothing(String rest) {
        return rest.isEmpty() || rest.matches(":[0-9]{1,5}");
    }
}
