package dev.turnout.host.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The routes Turnout installed, exactly as the platform needs them to remove them again, saved in a small
 * text file so that {@code turnout cleanup} can undo them after a crash.
 *
 * <p>File format, one {@code key=value} a line ({@code #} starts a comment):
 * <pre>
 * platform=linux
 * device=turnout0
 * route=-4 0.0.0.0/1 dev turnout0
 * route=-4 128.0.0.0/1 dev turnout0
 * dns=resolved turnout0
 * found=mtu 1400 qlen 500 down linkdown4 0 linkdown6 0 addr 198.18.0.1/30
 * </pre>
 * A {@code route}, {@code dns} or {@code found} value is opaque outside the platform that wrote it.
 *
 * @param platform {@link Platform#name()} of the platform that installed the routes
 * @param device the TUN device's name
 * @param routes the installed routes, in installation order
 * @param dns changes to the system's DNS settings ({@link Platform#captureSystemDns}), and on Linux also the policy
 *     rules of the IPv6 path-MTU table ({@link Platform#followUplink}), each what the platform needs to undo it, in
 *     the order they were made
 * @param found for a persistent device (one that outlives Turnout, and with it its routes): what it was before
 *     Turnout, as {@link Platform#recordFound} wrote it, so that it is given back after a crash; null otherwise
 * @param file where this state is saved, or null when it is not
 */
public record RouteState(String platform, String device, List<String> routes, List<String> dns, String found,
                         Path file) {

    /** The first line of every record: what tells one of Turnout's from any other file. */
    static final String HEADER = "# routes and DNS settings changed by Turnout; undo with 'turnout cleanup'";


    public RouteState {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(device, "device");
        routes = List.copyOf(routes);
        dns = List.copyOf(dns);
        if (found != null && found.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("device record with a newline: " + found);
        }
    }

    /** Of a device that goes with Turnout. */
    public RouteState(String platform, String device, List<String> routes, List<String> dns, Path file) {
        this(platform, device, routes, dns, null, file);
    }

    /** Routes only, no DNS changes. */
    public RouteState(String platform, String device, List<String> routes, Path file) {
        this(platform, device, routes, List.of(), null, file);
    }

    public RouteState withRoute(String route) {
        List<String> more = new ArrayList<>(routes);
        more.add(route);
        return new RouteState(platform, device, more, dns, found, file);
    }

    public RouteState withoutRoute(String route) {
        List<String> fewer = new ArrayList<>(routes);
        fewer.remove(route);
        return new RouteState(platform, device, fewer, dns, found, file);
    }

    /** With one more DNS change recorded (save it before making the change). */
    public RouteState withDns(String change) {
        List<String> more = new ArrayList<>(dns);
        more.add(change);
        return new RouteState(platform, device, routes, more, found, file);
    }

    /** With one DNS change forgotten (it could not be made). */
    public RouteState withoutDns(String change) {
        List<String> fewer = new ArrayList<>(dns);
        fewer.remove(change);
        return new RouteState(platform, device, routes, fewer, found, file);
    }

    /** With the DNS changes forgotten (they were undone). */
    public RouteState withoutDns() {
        return new RouteState(platform, device, routes, List.of(), found, file);
    }

    /** With the routes forgotten (they were removed). */
    public RouteState withoutRoutes() {
        return new RouteState(platform, device, List.of(), dns, found, file);
    }

    /** Writes the state to {@link #file()} atomically (a crash leaves the old or the new file, never half). */
    public void save() throws IOException {
        if (file == null) {
            return;
        }
        StringBuilder sb = new StringBuilder(HEADER + "\n");
        sb.append("platform=").append(platform).append('\n');
        sb.append("device=").append(device).append('\n');
        for (String r : routes) {
            if (r.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("route with a newline: " + r);
            }
            sb.append("route=").append(r).append('\n');
        }
        for (String d : dns) {
            if (d.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("dns change with a newline: " + d);
            }
            sb.append("dns=").append(d).append('\n');
        }
        if (found != null) {
            sb.append("found=").append(found).append('\n');
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        refuseForeign(file);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            // A link left at the temporary name is removed, not written through: the folder may be another's.
            Files.deleteIfExists(tmp);
            Files.writeString(tmp, sb, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            // A full disk said only "No space left on device", and the user could not tell which file.
            throw new IOException("cannot write the routes' state file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses to replace {@code file} unless it is a record of Turnout's own (or absent): written as root and deleted at
     * the stop, a {@code state-file} that named another file (a typo, {@code /etc/resolv.conf}) would have been
     * replaced and then removed.
     */
    private static void refuseForeign(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        boolean ours = false;
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            try (java.io.BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                ours = HEADER.equals(r.readLine());
            } catch (java.nio.charset.CharacterCodingException e) {
                ours = false;
            }
        }
        if (!ours) {
            throw new IOException(file + " exists and is not a route record of Turnout's: refusing to replace it"
                    + " (tun.state-file names it; name another file, or remove this one if it is a leftover)");
        }
    }

    /** Reads a state file written by {@link #save()}. */
    public static RouteState load(Path file) throws IOException {
        String platform = null;
        String device = null;
        List<String> routes = new ArrayList<>();
        List<String> dns = new ArrayList<>();
        String found = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            if (eq < 0) {
                // Not quoted: whatever file this is, its content stays out of the message.
                throw new IOException(file + ": not a route record of Turnout's (a line is not key=value)");
            }
            String key = l.substring(0, eq);
            String value = l.substring(eq + 1);
            switch (key) {
                case "platform" -> platform = value;
                case "device" -> device = value;
                case "route" -> routes.add(value);
                case "dns" -> dns.add(value);
                case "found" -> found = value;
                default -> {
                    // written by a newer Turnout: ignore what we do not know
                }
            }
        }
        if (platform == null || device == null) {
            throw new IOException(file + ": missing platform or device");
        }
        return new RouteState(platform, device, routes, dns, found, file);
    }
}
