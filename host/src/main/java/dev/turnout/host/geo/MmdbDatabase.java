package dev.turnout.host.geo;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;
import dev.turnout.rules.AsnLookup;
import dev.turnout.rules.CountryLookup;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Unsafe;

/**
 * A MaxMind-format database read with MaxMind's reader (memory-mapped; decoded records cached, so a lookup is a
 * walk down the tree), IPv4 countries from a {@link CountryTable} once it is read. Countries in GeoIP2-Country's
 * shape ({@code country.iso_code}), or as the bare codes of sing-geoip and mihomo's geoip.metadb; AS numbers in
 * GeoLite2-ASN's shape ({@code autonomous_system_number}).
 * Never closed: flows decided under an older routing may still look up in it, and the mapping goes with the GC.
 */
final class MmdbDatabase implements CountryLookup, AsnLookup {

    private static final Logger log = LoggerFactory.getLogger(MmdbDatabase.class);

    private final Reader reader;
    private final Path file;
    private final boolean bareCodes;
    private final AtomicBoolean failedOnce = new AtomicBoolean();
    private final CountDownLatch tableRead = new CountDownLatch(1);
    private volatile CountryTable table;

    private MmdbDatabase(Reader reader, Path file) {
        this.reader = reader;
        this.file = file;
        String type = reader.getMetadata().getDatabaseType();
        this.bareCodes = type != null && (type.startsWith("sing-geoip") || type.startsWith("Meta-geoip"));
    }

    /** Opens {@code file}; an IOException says it is not a MaxMind database. */
    static MmdbDatabase open(Path file) throws IOException {
        return new MmdbDatabase(new Reader(file.toFile(), new CHMCache()), file);
    }

    /**
     * Opens {@code file} for {@link #country} lookups and starts reading its IPv4 half into a {@link CountryTable}
     * on a thread of its own: until that is done (tens of milliseconds) the reader answers, so neither a start nor
     * a reload waits for it. The tree is mapped here, and only kept when the file was the same before the reader
     * opened it and after the mapping: a download renames a new file over the old one at any time.
     */
    static MmdbDatabase openCountries(Path file) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Object before = fileKey(file);
            MmdbDatabase db = open(file);
            CountryTable.Tree tree;
            try {
                tree = CountryTable.Tree.map(file, db.reader.getMetadata());
            } catch (IOException | RuntimeException e) {
                db.withoutTable(e.getMessage());
                return db;
            }
            if (Objects.equals(before, fileKey(file))) {
                Thread reading = new Thread(() -> db.readTable(tree), "turnout-geoip-table");
                reading.setDaemon(true);
                reading.start();
                return db;
            }
            if (attempt == 2) {
                db.withoutTable("the file was replaced while it was opened");
                return db;
            }
        }
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private void readTable(CountryTable.Tree tree) {
        try {
            long started = System.nanoTime();
            CountryTable t = CountryTable.read(tree, this::readerCountry);
            table = t;
            log.debug("{}: {} IPv4 country ranges read in {} ms", file, t.size(),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            withoutTable(e.getMessage());
        } finally {
            unmap(tree.buffer());
            tableRead.countDown();
        }
    }

    /**
     * Gives back the tree's mapping now that nothing reads it: left to the garbage collector, its pages (about
     * 5 MB of a country database's IPv4 half) stayed in the process's RSS for as long as nothing else was collected.
     */
    private static void unmap(ByteBuffer mapped) {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            ((Unsafe) f.get(null)).invokeCleaner(mapped);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // the collector unmaps it later
        }
    }

    private void withoutTable(String why) {
        log.info("{}: IPv4 countries stay with the reader ({})", file, why);
        tableRead.countDown();
    }

    /** Waits, at most {@code millis}, for the table {@link #openCountries} reads; whether there is one. */
    boolean awaitTable(long millis) throws InterruptedException {
        tableRead.await(millis, TimeUnit.MILLISECONDS);
        return table != null;
    }

    String databaseType() {
        return reader.getMetadata().getDatabaseType();
    }

    @Override
    public String country(InetAddress address) {
        CountryTable t = table;
        if (t != null && address instanceof Inet4Address) {
            byte[] b = address.getAddress();
            return t.country((b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF));
        }
        return readerCountry(address);
    }

    /** The country as MaxMind's reader finds it (IPv6 always; IPv4 until the table is read). */
    String readerCountry(InetAddress address) {
        try {
            if (bareCodes) {
                // A geoip.metadb record that lists several codes does not decode as one: no match, logged once.
                String code = reader.get(address, String.class);
                return code == null || code.isEmpty() ? null : code.toUpperCase(Locale.ROOT);
            }
            Map<?, ?> record = reader.get(address, Map.class);
            if (record != null && record.get("country") instanceof Map<?, ?> country
                    && country.get("iso_code") instanceof String code) {
                return code;
            }
            return null;
        } catch (IOException | RuntimeException e) {
            failed(e);
            return null;
        }
    }

    @Override
    public long asn(InetAddress address) {
        try {
            Map<?, ?> record = reader.get(address, Map.class);
            if (record == null) {
                return 0;
            }
            if (record.get("autonomous_system_number") instanceof Number n) {
                return n.longValue();
            }
            if (record.get("asn") instanceof String s && s.startsWith("AS")) { // ipinfo's free ASN database
                return Long.parseLong(s.substring(2));
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            failed(e);
            return 0;
        }
    }

    private void failed(Exception e) {
        if (failedOnce.compareAndSet(false, true)) {
            log.warn("{}: lookup failed, treated as no match: {}", file, e.toString());
        }
    }
}
