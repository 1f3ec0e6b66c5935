package dev.turnout.host.dns;

import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * One upstream DNS server as Clash writes it: {@code 8.8.8.8}, {@code 1.2.3.4:5353}, {@code udp://1.2.3.4:53},
 * {@code tcp://1.2.3.4:5353}, {@code [2001:db8::1]:53}, {@code tls://dns.google}, {@code tls://1.1.1.1:853},
 * {@code https://doh.pub/dns-query}, {@code system} (the servers of the machine's {@code resolv.conf}), or mihomo's
 * {@code rcode://success} (no server: that answer, made up, as an ad-blocking policy entry wants). Ports default
 * to 53, 853 (TLS) and 443 (HTTPS).
 *
 * @param protocol how queries reach the server
 * @param address  where the server listens; unresolved when {@code host} is a name (DoT and DoH only, looked up
 *                 through {@code default-nameserver}); {@code null} for {@link Protocol#SYSTEM} and
 *                 {@link Protocol#RCODE}
 * @param host     the server's name, or its address in RFC 5952's form: TLS's server name and HTTP's authority; for
 *                 {@link Protocol#RCODE}, the answer's name ({@code success}, {@code name_error}, ...)
 * @param path     the DoH request's path and query ({@code /dns-query} unless given); {@code null} for others
 * @param skipCertVerify mihomo's {@code #skip-cert-verify=true}: a DoT or DoH server's certificate is not checked
 * @param via      mihomo's {@code #NAME}: the outbound or group queries go through (UDP servers are then asked over
 *                 TCP, the stream a proxy carries), or {@code null} to go direct from the physical interface
 * @param ecs      mihomo's {@code #ecs=198.51.100.0/24}: the client subnet every query to the server carries
 *                 (RFC 7871), whatever the protocol (mihomo reads it for DoH servers only), or {@code null}
 */
public record Nameserver(Protocol protocol, InetSocketAddress address, String host, String path,
        boolean skipCertVerify, String via, ClientSubnet ecs) {

    /**
     * How queries reach the server. UDP falls back to TCP when an answer comes back truncated; TLS is RFC 7858's
     * DNS over TLS; HTTPS is RFC 8484's DNS over HTTPS, on HTTP/2; RCODE asks nobody and answers with a response
     * code and no records.
     */
    public enum Protocol { UDP, TCP, TLS, HTTPS, SYSTEM, RCODE }

    /** mihomo's {@code rcode://} names and the response codes they stand for. */
    private static final Map<String, DnsResponseCode> RCODES = Map.of(
            "success", DnsResponseCode.NOERROR,
            "format_error", DnsResponseCode.FORMERR,
            "server_failure", DnsResponseCode.SERVFAIL,
            "name_error", DnsResponseCode.NXDOMAIN,
            "not_implemented", DnsResponseCode.NOTIMP,
            "refused", DnsResponseCode.REFUSED);

    /** mihomo's {@code #RULES}: the queries go where the rules send a connection to the server. */
    public static final String RULES = "RULES";

    /** The machine's own nameservers, read from {@code resolv.conf} when a query needs them. */
    public static final Nameserver SYSTEM = new Nameserver(Protocol.SYSTEM, null, "system", null, false);

    public Nameserver {
        if (protocol == Protocol.RCODE && (address != null || !RCODES.containsKey(host))) {
            throw new IllegalArgumentException("an rcode answer needs one of " + new TreeSet<>(RCODES.keySet()));
        }
        if (protocol == null || (protocol != Protocol.SYSTEM && protocol != Protocol.RCODE && address == null)) {
            throw new IllegalArgumentException("a nameserver needs a protocol and an address");
        }
        if (address != null && address.isUnresolved() && (protocol == Protocol.SYSTEM || protocol == Protocol.RCODE)) {
            throw new IllegalArgumentException("only servers may be named by host name");
        }
        if ((protocol == Protocol.HTTPS) != (path != null)) {
            throw new IllegalArgumentException("a path belongs to DNS over HTTPS, and only there");
        }
        if (skipCertVerify && protocol != Protocol.TLS && protocol != Protocol.HTTPS) {
            throw new IllegalArgumentException("skip-cert-verify belongs to DNS over TLS or HTTPS");
        }
        if (via != null && (protocol == Protocol.SYSTEM || protocol == Protocol.RCODE)) {
            throw new IllegalArgumentException("only a server's queries can go through an outbound");
        }
        if (ecs != null && (protocol == Protocol.SYSTEM || protocol == Protocol.RCODE)) {
            throw new IllegalArgumentException("only a server's queries can carry a client subnet");
        }
        if (host == null) {
            host = address.isUnresolved() ? address.getHostString() : NetUtil.toAddressString(address.getAddress());
        }
    }

    /** Without a client subnet. */
    public Nameserver(Protocol protocol, InetSocketAddress address, String host, String path, boolean skipCertVerify,
            String via) {
        this(protocol, address, host, path, skipCertVerify, via, null);
    }

    /** Direct. */
    public Nameserver(Protocol protocol, InetSocketAddress address, String host, String path, boolean skipCertVerify) {
        this(protocol, address, host, path, skipCertVerify, null);
    }

    /** A plain UDP or TCP server at an address. */
    public Nameserver(Protocol protocol, InetSocketAddress address) {
        this(protocol, address, null, null, false);
    }

    /** For {@link Protocol#RCODE}: the response code it answers with. */
    public DnsResponseCode rcode() {
        return protocol == Protocol.RCODE ? RCODES.get(host) : null;
    }

    /** Whether it is a server to send queries to (not {@code system}, which stands for some, nor an rcode answer). */
    public boolean isServer() {
        return address != null;
    }

    /** Whether its address is a name still to be looked up. */
    public boolean needsLookup() {
        return address != null && address.isUnresolved();
    }

    /**
     * Parses Clash's syntax.
     *
     * @throws IllegalArgumentException with a message naming the entry; DNS over QUIC and HTTP/3, DHCP and
     *                                  options after {@code #} Turnout does not know are rejected as not supported
     *                                  yet ({@link Unsupported})
     */
    public static Nameserver parse(String text) {
        String s = text == null ? "" : text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty nameserver");
        }
        boolean skipCertVerify = false;
        String via = null;
        ClientSubnet ecs = null;
        int hash = s.indexOf('#');
        if (hash >= 0) {
            Options options = Options.read(s, s.substring(hash + 1));
            skipCertVerify = options.skipCertVerify();
            via = options.via();
            ecs = options.ecs();
            s = s.substring(0, hash);
        }
        if (s.equalsIgnoreCase("system") || s.equalsIgnoreCase("system://")) {
            return SYSTEM;
        }
        Protocol protocol = Protocol.UDP;
        int scheme = s.indexOf("://");
        String path = null;
        if (scheme >= 0) {
            String name = s.substring(0, scheme).toLowerCase(Locale.ROOT);
            switch (name) {
                case "udp" -> protocol = Protocol.UDP;
                case "tcp" -> protocol = Protocol.TCP;
                case "tls" -> protocol = Protocol.TLS;
                case "https" -> protocol = Protocol.HTTPS;
                case "rcode" -> {
                    String answer = s.substring(scheme + 3).toLowerCase(Locale.ROOT);
                    if (!RCODES.containsKey(answer)) {
                        throw new IllegalArgumentException("nameserver '" + text + "': unknown rcode answer '"
                                + answer + "' (one of " + String.join(", ", new TreeSet<>(RCODES.keySet()))
                                + ")");
                    }
                    return new Nameserver(Protocol.RCODE, null, answer, null, false);
                }
                case "h3" -> throw unsupported(s, "DNS over HTTP/3");
                case "quic" -> throw unsupported(s, "DNS over QUIC");
                case "dhcp" -> throw unsupported(s, "DHCP nameservers");
                default -> throw new IllegalArgumentException("nameserver '" + s + "': unknown scheme '" + name
                        + "' (use udp://, tcp://, tls://, https:// or rcode://)");
            }
            s = s.substring(scheme + 3);
            int slash = s.indexOf('/');
            if (protocol == Protocol.HTTPS) {
                path = slash < 0 || slash == s.length() - 1 ? "/dns-query" : s.substring(slash);
            }
            if (slash >= 0) {
                if (protocol != Protocol.HTTPS && slash != s.length() - 1) {
                    throw new IllegalArgumentException("nameserver '" + text + "': a path belongs to https:// only");
                }
                s = s.substring(0, slash);
            }
        }
        String host = s;
        int port = switch (protocol) {
            case TLS -> 853;
            case HTTPS -> 443;
            default -> 53;
        };
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("nameserver '" + text + "': missing ']'");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("nameserver '" + text + "': junk after ']'");
                }
                port = parsePort(text, rest.substring(1));
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            int colon = s.indexOf(':');
            host = s.substring(0, colon);
            port = parsePort(text, s.substring(colon + 1));
        }
        InetAddress address = IpLiteral.parse(host);
        if (address != null) {
            return new Nameserver(protocol, new InetSocketAddress(address, port), null, path, skipCertVerify, via,
                    ecs);
        }
        if (host.substring(host.lastIndexOf('.') + 1).chars().allMatch(Character::isDigit)) {
            // No top-level domain is all digits: a mistyped address (1.2.3.256), not a name to look up.
            throw new IllegalArgumentException("nameserver '" + text + "': '" + host + "' is not an IP address");
        }
        if (!DnsNames.isHostName(host)) {
            throw new IllegalArgumentException("nameserver '" + text + "': '" + host + "' is not a host name");
        }
        return new Nameserver(protocol, InetSocketAddress.createUnresolved(host.toLowerCase(Locale.ROOT), port),
                host.toLowerCase(Locale.ROOT), path, skipCertVerify, via, ecs);
    }

    /**
     * mihomo's options after {@code #}, separated by {@code &}: {@code DIRECT} (Turnout's DNS goes direct, from the
     * physical interface, unless told otherwise), {@code h3=false}, {@code skip-cert-verify}, {@code ecs} and
     * {@code ecs-override}, and the name of an outbound or group to send the queries through ({@link #RULES} for the
     * rules' choice).
     *
     * @param via the outbound named (the last, when several are), or null
     * @param ecs the client subnet (the last, when several are), or null
     */
    private record Options(boolean skipCertVerify, String via, ClientSubnet ecs) {

        static Options read(String text, String options) {
            boolean skip = false;
            String via = null;
            ClientSubnet ecs = null;
            for (String option : options.split("&")) {
                String o = option.trim();
                int eq = o.indexOf('=');
                String key = (eq < 0 ? o : o.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
                String value = eq < 0 ? "" : o.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
                if (eq < 0 && key.equals("direct") || key.equals("h3") && (value.equals("false")
                        || value.equals("true"))) { // h3=true: over HTTP/2 (asksForHttp3)
                    continue;
                }
                if (key.equals("skip-cert-verify") && (value.equals("true") || value.equals("false"))) {
                    skip = value.equals("true");
                    continue;
                }
                if (eq >= 0 && key.equals("ecs")) {
                    // mihomo logs a bad value and sends no subnet; a config error says so before any query goes out.
                    try {
                        ecs = ClientSubnet.parse(o.substring(eq + 1));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("nameserver '" + text + "': " + e.getMessage(), e);
                    }
                    continue;
                }
                if (key.equals("ecs-override") && (value.equals("true") || value.equals("false"))) {
                    // mihomo's override replaces a subnet already in the query, which there is when its DNS listener
                    // passes a client's query on with the client's own. Turnout never passes a client's query on:
                    // it asks its own (UpstreamResolver.fill), whose only subnet is this server's ecs.
                    continue;
                }
                if (eq < 0 && !o.isEmpty()) {
                    via = o.equalsIgnoreCase(RULES) ? RULES : o;
                    continue;
                }
                throw unsupported(text, "the option '" + o + "'");
            }
            return new Options(skip, via, ecs);
        }
    }

    /** This server with its queries going where {@code outbound} says (respect-rules gives {@link #RULES}). */
    public Nameserver through(String outbound) {
        return new Nameserver(protocol, address, host, path, skipCertVerify, outbound, ecs);
    }

    private static int parsePort(String text, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("nameserver '" + text + "': bad port '" + port + "'");
        }
    }

    private static IllegalArgumentException unsupported(String text, String what) {
        return new Unsupported(text, what + " is not supported yet");
    }

    /** A server written right, of a kind Turnout does not speak yet: left out of a list that has others. */
    public static final class Unsupported extends IllegalArgumentException {
        private final String reason;

        Unsupported(String text, String reason) {
            super("nameserver '" + text + "': " + reason);
            this.reason = reason;
        }

        /** Why, without the server: "DNS over QUIC is not supported yet". */
        public String reason() {
            return reason;
        }
    }

    /**
     * Whether {@code text} asks for HTTP/3 ({@code #h3=true}), which Turnout does not speak: such a server is asked
     * over HTTP/2, which DoH servers also serve.
     */
    public static boolean asksForHttp3(String text) {
        int hash = text == null ? -1 : text.indexOf('#');
        return hash >= 0 && java.util.Arrays.stream(text.substring(hash + 1).split("&"))
                .map(o -> o.trim().toLowerCase(Locale.ROOT).replace(" ", "")).anyMatch(o -> o.equals("h3=true"));
    }

    /** The form it was written in, made whole: {@code udp://8.8.8.8:53}, {@code https://doh.pub:443/dns-query}. */
    @Override
    public String toString() {
        if (protocol == Protocol.SYSTEM) {
            return "system";
        }
        if (protocol == Protocol.RCODE) {
            return "rcode://" + host;
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        java.util.StringJoiner options = new java.util.StringJoiner("&", "#", "").setEmptyValue("");
        if (via != null) {
            options.add(via);
        }
        if (skipCertVerify) {
            options.add("skip-cert-verify=true");
        }
        if (ecs != null) {
            options.add("ecs=" + ecs);
        }
        return protocol.name().toLowerCase(Locale.ROOT) + "://" + h + ":" + address.getPort()
                + (path == null ? "" : path) + options;
    }
}
