package dev.turnout.host.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code system} nameserver: the servers this machine's {@code resolv.conf} names, read again when the file
 * has changed (a laptop moving between networks; looked at once a second at most), so no reload is needed. Where
 * systemd-resolved runs, its list of upstream servers ({@code /run/systemd/resolve/resolv.conf}) is read instead of
 * its stub on 127.0.0.53: in TUN mode the stub's own queries would come back into the TUN and to Turnout. Addresses Turnout answers itself (its
 * fake range, its DNS listener) are left out, so a query cannot loop back to Turnout.
 */
final class SystemNameservers {

    private static final Logger LOG = LoggerFactory.getLogger(SystemNameservers.class);
    static final Path RESOLVED_UPSTREAMS = Path.of("/run/systemd/resolve/resolv.conf");
    static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");

    private final List<Path> files;
    private final Predicate<InetAddress> own;
    private Object readKey;
    private List<Nameserver> servers = List.of();
    private boolean toldUnreadable;
    private long checkedAt;
    /** The file is looked at no more often than this: queries come far more often than networks change. */
    private static final long RECHECK_NANOS = 1_000_000_000L;

    /**
     * @param files the first that exists is read
     * @param own   addresses that are Turnout's own and must not be asked
     */
    SystemNameservers(List<Path> files, Predicate<InetAddress> own) {
        this.files = List.copyOf(files);
        this.own = own;
    }

    /** The machine's files. */
    static SystemNameservers of(Predicate<InetAddress> own) {
        return new SystemNameservers(List.of(RESOLVED_UPSTREAMS, RESOLV_CONF), own);
    }

    /** The servers as the file names them now, as plain UDP servers on port 53; empty when none is usable. */
    synchronized List<Nameserver> current() {
        long now = System.nanoTime();
        if (readKey != null && now - checkedAt < RECHECK_NANOS) {
            return servers;
        }
        checkedAt = now;
        for (Path file : files) {
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (IOException e) {
                continue;
            }
            Object key = List.of(file, attributes.lastModifiedTime(), attributes.size(),
                    String.valueOf(attributes.fileKey()));
            if (!key.equals(readKey)) {
                servers = read(file);
                readKey = key;
            }
            toldUnreadable = false;
            return servers;
        }
        if (!toldUnreadable) {
            LOG.warn("the 'system' nameserver: none of {} can be read", files);
            toldUnreadable = true;
        }
        readKey = null;
        servers = List.of();
        return servers;
    }

    private List<Nameserver> read(Path file) {
        List<String> written;
        try {
            written = ResolvConf.nameservers(file);
        } catch (IOException e) {
            LOG.warn("the 'system' nameserver: cannot read {}: {}", file, e.getMessage());
            return List.of();
        }
        List<Nameserver> found = new ArrayList<>();
        for (String value : written) {
            InetAddress a = IpLiteral.parse(value);
            if (a == null) {
                LOG.info("the 'system' nameserver: {} names '{}', not an address: skipped", file, value);
            } else if (own.test(a)) {
                LOG.info("the 'system' nameserver: {} names {}, which is Turnout itself: skipped", file,
                        a.getHostAddress());
            } else {
                found.add(new Nameserver(Nameserver.Protocol.UDP, new InetSocketAddress(a, 53)));
            }
        }
        LOG.info("the 'system' nameserver: {} from {}", found, file);
        return List.copyOf(found);
    }
}
