package dev.turnout.host.inbound;

import dev.turnout.host.dns.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who may use the proxy ports: Clash's {@code authentication} and {@code skip-auth-prefixes} (the users the ports
 * ask for, and the clients they do not ask), and mihomo's {@code lan-allowed-ips} and {@code lan-disallowed-ips}
 * (the clients they serve at all). Without {@code skip-auth-prefixes} every client is asked, this machine's own
 * (127.0.0.0/8, ::1) too, as in mihomo (a config exempts them by listing them); this machine's clients are always
 * served, whatever the LAN lists say (mihomo would refuse them too when the allowed list leaves
 * them out). As in mihomo, an empty allowed list serves no LAN client: a user who empties it to shut the LAN out
 * must not find it open to everyone.
 *
 * @param users        user name to password; empty when nobody is asked
 * @param skipPrefixes clients from these addresses are not asked
 * @param lanAllowed   {@code lan-allowed-ips}: only clients from these are served ({@link #EVERYWHERE} when not
 *                     written, as in mihomo; empty for none)
 * @param lanDisallowed {@code lan-disallowed-ips}: clients from these are not served
 */
public record Authentication(Map<String, String> users, List<Cidr> skipPrefixes, List<Cidr> lanAllowed,
        List<Cidr> lanDisallowed) {

    /** This machine's own clients, which a config lists in {@code skip-auth-prefixes} to leave them unasked. */
    public static final List<Cidr> LOOPBACK = List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));
    /** Who is served when {@code lan-allowed-ips} is not written: every client, mihomo's default. */
    public static final List<Cidr> EVERYWHERE = List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0"));
    /** Nobody is asked, every client served (after {@link #EVERYWHERE}, which it needs when initialised). */
    public static final Authentication NONE = new Authentication(Map.of(), List.of());

    public Authentication {
        users = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(users));
        skipPrefixes = List.copyOf(skipPrefixes);
        lanAllowed = List.copyOf(lanAllowed);
        lanDisallowed = List.copyOf(lanDisallowed);
    }

    /** Users and who is not asked; every client served. */
    public Authentication(Map<String, String> users, List<Cidr> skipPrefixes) {
        this(users, skipPrefixes, EVERYWHERE, List.of());
    }

    /** The same users, serving only the clients {@code allowed} names (empty: none) and {@code disallowed} does not. */
    public Authentication withLan(List<Cidr> allowed, List<Cidr> disallowed) {
        return new Authentication(users, skipPrefixes, allowed, disallowed);
    }

    /** These users, asked of and serving the clients {@code from} says: its skip-auth-prefixes and LAN lists. */
    public Authentication withClientListsOf(Authentication from) {
        return new Authentication(users, from.skipPrefixes, from.lanAllowed, from.lanDisallowed);
    }

    /** The same users and LAN lists, asking every client but those from {@code skip}. */
    public Authentication withSkipPrefixes(List<Cidr> skip) {
        return new Authentication(users, skip, lanAllowed, lanDisallowed);
    }

    /**
     * Whether a client at {@code client} is served at all: this machine's own always are, by whichever of its
     * addresses they reach the port (as the loopback guard counts them). Before, only loopback counted, and a program
     * of this machine using its LAN address was refused by {@code lan-allowed-ips} (readme tester F1).
     */
    public boolean admits(InetSocketAddress client) {
        InetAddress a = client == null ? null : client.getAddress();
        if (a == null || a.isLoopbackAddress()) {
            return true;
        }
        return lanAllowed.stream().anyMatch(c -> c.contains(a)) && lanDisallowed.stream().noneMatch(c -> c.contains(a))
                || OwnAddresses.contains(a);
    }

    /**
     * This machine's addresses, read again at most once a second: asked only for a client the lists refuse, whose
     * every datagram (a UDP port) would otherwise go through all the interfaces.
     */
    private static final class OwnAddresses {

        private static final long REREAD_NANOS = 1_000_000_000L;
        private static volatile Snapshot last;

        private record Snapshot(java.util.Set<InetAddress> addresses, long readAt) {
        }

        static boolean contains(InetAddress a) {
            Snapshot s = last;
            long now = System.nanoTime();
            if (s == null || now - s.readAt() > REREAD_NANOS) {
                s = new Snapshot(read(), now);
                last = s;
            }
            return s.addresses().contains(a);
        }

        private static java.util.Set<InetAddress> read() {
            java.util.Set<InetAddress> all = new java.util.HashSet<>();
            try {
                java.util.Enumeration<java.net.NetworkInterface> interfaces =
                        java.net.NetworkInterface.getNetworkInterfaces();
                while (interfaces != null && interfaces.hasMoreElements()) {
                    all.addAll(java.util.Collections.list(interfaces.nextElement().getInetAddresses()));
                }
            } catch (java.net.SocketException e) {
                // none read: only loopback counts as this machine until the next reading
            }
            return java.util.Set.copyOf(all);
        }
    }

    /** Whether the LAN lists serve every client, as when neither is written. */
    public boolean servesEveryone() {
        return lanAllowed.equals(EVERYWHERE) && lanDisallowed.isEmpty();
    }

    /**
     * Which LAN clients are served, for the log: nothing when every one is, else {@code LAN clients served only from
     * [192.168.0.0/16], never from [192.168.9.9/32]} or {@code no LAN client served (lan-allowed-ips is empty)}.
     */
    public String lanServed() {
        if (servesEveryone()) {
            return "";
        }
        String never = lanDisallowed.isEmpty() ? "" : ", never from " + texts(lanDisallowed);
        return lanAllowed.isEmpty() ? "no LAN client served (lan-allowed-ips is empty)"
                : "LAN clients served only from " + texts(lanAllowed) + never;
    }

    /**
     * Reads {@code authentication} entries ({@code user:password}, the password may hold colons).
     *
     * @throws IllegalArgumentException for an entry without a colon or with an empty user
     */
    public static Authentication of(List<String> entries, List<Cidr> skipPrefixes) {
        Map<String, String> users = new LinkedHashMap<>();
        for (String entry : entries) {
            int colon = userEnd(entry);
            users.put(entry.substring(0, colon), entry.substring(colon + 1));
        }
        return new Authentication(users, skipPrefixes);
    }

    /**
     * Where the user of an {@code authentication} entry ends: its first colon.
     *
     * @throws IllegalArgumentException for an entry without a colon or with an empty user
     */
    public static int userEnd(String entry) {
        int colon = entry.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("an 'authentication' entry is written user:password");
        }
        return colon;
    }

    /** Whether a client at {@code client} must give a user and password. */
    public boolean asks(InetSocketAddress client) {
        if (users.isEmpty()) {
            return false;
        }
        InetAddress a = client == null ? null : client.getAddress();
        return a == null || skipPrefixes.stream().noneMatch(c -> c.contains(a));
    }

    /** Whether {@code user} and {@code password} are one of the users; every entry is compared, in constant time. */
    public boolean accepts(String user, String password) {
        if (user == null || password == null) {
            return false;
        }
        byte[] given = (user + ":" + password).getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (Map.Entry<String, String> e : users.entrySet()) {
            ok |= MessageDigest.isEqual(given, (e.getKey() + ":" + e.getValue()).getBytes(StandardCharsets.UTF_8));
        }
        return ok;
    }

    /**
     * The user a {@code Proxy-Authorization} header value ({@code Basic base64(user:password)}) names with its
     * password, or {@code null}.
     */
    public String userOfBasic(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        String user = colon > 0 ? decoded.substring(0, colon) : null;
        return user != null && accepts(user, decoded.substring(colon + 1)) ? user : null;
    }

    /** The prefixes not asked, for messages: {@code 127.0.0.0/8, ::1/128}. */
    public String notAsked() {
        return String.join(", ", texts(skipPrefixes));
    }

    /** Prefixes as Clash writes them: {@code 192.168.0.0/16}, {@code fd00::/8}. */
    public static List<String> texts(List<Cidr> prefixes) {
        return prefixes.stream().map(c -> io.netty.util.NetUtil.toAddressString(c.address()) + "/" + c.prefix())
                .toList();
    }

    @Override
    public String toString() {
        return "Authentication[" + users.size() + " users, not asked: " + notAsked()
                + (servesEveryone() ? "" : ", LAN allowed " + lanAllowed + " disallowed " + lanDisallowed)
                + "]"; // never the passwords
    }
}
