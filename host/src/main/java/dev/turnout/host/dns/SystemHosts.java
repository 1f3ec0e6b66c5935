package dev.turnout.host.dns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system's hosts file ({@code /etc/hosts}) as mihomo's {@code dns.use-system-hosts} (on by default) reads it:
 * names written there keep their addresses when Turnout's DNS answers or Turnout itself looks them up, after the
 * config's own {@code hosts:}. Read again when the file changes, checked at most every {@value #CHECK_MILLIS} ms
 * (Go's resolver, which mihomo uses, does the same), so an edit takes effect without a restart.
 */
public final class SystemHosts {

    private static final Logger LOG = LoggerFactory.getLogger(SystemHosts.class);

    /** The file on Linux and macOS. */
    public static final Path FILE = Path.of("/etc/hosts");
    static final long CHECK_MILLIS = 5_000;
    /**
     * What is read of the file at most: ad-blocking hosts files reach a few MiB (100,000 names); the rest is left
     * out with a warning rather than held in memory.
     */
    static final long MAX_BYTES = 8L * 1024 * 1024;

    private final Path file;
    private final long checkMillis;
    private volatile Snapshot snapshot;

    /** What was read, when, and from which version of the file. */
    private record Snapshot(FileTime modified, Map<String, HostsTable.Entry> names, long checkedAt) {
    }

    public SystemHosts(Path file) {
        this(file, CHECK_MILLIS);
    }

    SystemHosts(Path file, long checkMillis) {
        this.file = file;
        this.checkMillis = checkMillis;
        long now = System.nanoTime() / 1_000_000;
        this.snapshot = new Snapshot(null, Map.of(), now - checkMillis); // due: read at once
        refresh(now);
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The addresses the file gives {@code name} (lower case, no trailing dot), or {@code null} when none. */
    HostsTable.Entry entry(String name) {
        long now = System.nanoTime() / 1_000_000;
        if (now - snapshot.checkedAt() >= checkMillis) {
            refresh(now);
        }
        return snapshot.names().get(name);
    }

    private synchronized void refresh(long now) {
        Snapshot s = snapshot;
        if (now - s.checkedAt() < checkMillis) {
            return; // another thread did it meanwhile
        }
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            snapshot = new Snapshot(null, Map.of(), now);
            return;
        } catch (IOException e) {
            snapshot = new Snapshot(s.modified(), s.names(), now);
            return;
        }
        if (modified.equals(s.modified())) {
            snapshot = new Snapshot(modified, s.names(), now);
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            snapshot = new Snapshot(modified, parse(in, file), now);
        } catch (IOException e) {
            LOG.warn("{} could not be read ({}); its names are answered as before", file, e.getMessage());
            snapshot = new Snapshot(s.modified(), s.names(), now);
        }
    }

    /**
     * Reads a hosts file: per line an address and its names, {@code #} starting a comment; a name on several lines
     * gets every address, in order. Lines whose address is not an IP literal (a zone id, a typo) are skipped.
     */
    static Map<String, HostsTable.Entry> parse(InputStream in, Path file) throws IOException {
        Map<String, List<InetAddress>> byName = new LinkedHashMap<>();
        long read = 0;
        boolean cut = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                read += line.length() + 1;
                if (read > MAX_BYTES) {
                    cut = true;
                    break;
                }
                int hash = line.indexOf('#');
                String[] fields = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
                if (fields.length < 2) {
                    continue;
                }
                InetAddress address = IpLiteral.parse(fields[0]);
                if (address == null) {
                    continue;
                }
                for (int i = 1; i < fields.length; i++) {
                    List<InetAddress> list = byName.computeIfAbsent(DomainTrie.normalize(fields[i]),
                            k -> new ArrayList<>(1));
                    if (!list.contains(address)) {
                        list.add(address);
                    }
                }
            }
        }
        if (cut) {
            LOG.warn("{}: only its first {} MiB are read for names", file, MAX_BYTES >> 20);
        }
        // Ad-blocking files give most names the same one address: one entry serves them all.
        Map<List<InetAddress>, HostsTable.Entry> shared = new HashMap<>();
        Map<String, HostsTable.Entry> names = new HashMap<>(byName.size() * 2);
        byName.forEach((name, addresses) -> names.put(name, shared.computeIfAbsent(addresses, HostsTable.Entry::of)));
        return Map.copyOf(names);
    }
}
