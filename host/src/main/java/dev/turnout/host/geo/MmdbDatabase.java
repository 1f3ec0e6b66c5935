package dev.turnout.host.geo;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;
import dev.turnout.rules.AsnLookup;
import dev.turnout.rules.CountryLookup;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MaxMind-format database read with MaxMind's reader (memory-mapped; decoded records cached, so a lookup is a
 * walk down the tree). Countries in GeoIP2-Country's shape ({@code country.iso_code}), or as the bare codes of
 * sing-geoip and mihomo's geoip.metadb; AS numbers in GeoLite2-ASN's shape ({@code autonomous_system_number}).
 * Never closed: flows decided under an older routing may still look up in it, and the mapping goes with the GC.
 */
final class MmdbDatabase implements CountryLookup, AsnLookup {

    private static final Logger log = LoggerFactory.getLogger(MmdbDatabase.class);

    private final Reader reader;
    private final Path file;
    private final boolean bareCodes;
    private final AtomicBoolean failedOnce = new AtomicBoolean();

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

    String databaseType() {
        return reader.getMetadata().getDatabaseType();
    }

    @Override
    public String country(InetAddress address) {
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
