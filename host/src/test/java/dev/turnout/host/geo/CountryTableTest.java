package dev.turnout.host.geo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.maxmind.db.CHMCache;
import com.maxmind.db.DatabaseRecord;
import com.maxmind.db.Reader;
import dev.turnout.api.testing.CountryDatabase;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link CountryTable} read off real search trees answers what MaxMind's reader answers, at range edges too. */
class CountryTableTest {

    @TempDir
    Path dir;

    private static int v4(String address) throws Exception {
        byte[] b = InetAddress.getByName(address).getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    private static InetAddress address(int v4) throws Exception {
        return InetAddress.getByAddress(new byte[] {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8),
            (byte) v4});
    }

    @ParameterizedTest(name = "{0}-bit records")
    @ValueSource(ints = {24, 28, 32})
    void everyRecordSizeGivesEachNetworkItsCountryUpToItsEdges(int recordSize) throws Exception {
        Path file = GeoFiles.mmdb(dir.resolve("c.mmdb"), "GeoIP2-Country", recordSize, Map.of(
                "198.51.100.0/24", "{ country => { iso_code => 'JP' } }",
                "203.0.113.0/25", "{ country => { iso_code => 'FR' }, registered_country => { iso_code => 'FR' } }",
                "203.0.113.128/25", "{ country => { iso_code => 'FR' }, registered_country => { iso_code => 'DE' } }",
                "192.0.2.7/32", "{ country => { iso_code => 'US' } }",
                "2001:db8::/32", "{ country => { iso_code => 'DE' } }"));
        MmdbDatabase db = MmdbDatabase.open(file);
        CountryTable t = CountryTable.read(CountryTable.Tree.map(file, new Reader(file.toFile()).getMetadata()),
                db::readerCountry);
        assertNull(t.country(v4("198.51.99.255")));
        assertEquals("JP", t.country(v4("198.51.100.0")));
        assertEquals("JP", t.country(v4("198.51.100.255")));
        assertNull(t.country(v4("198.51.101.0")));
        assertEquals("FR", t.country(v4("203.0.113.0")));
        assertEquals("FR", t.country(v4("203.0.113.255")), "the second half, another record of the same country");
        assertNull(t.country(v4("192.0.2.6")));
        assertEquals("US", t.country(v4("192.0.2.7")));
        assertNull(t.country(v4("192.0.2.8")));
        assertNull(t.country(0));
        assertNull(t.country(-1));
        // Nothing, JP, nothing, US, nothing, FR (one range for two records), nothing.
        assertEquals(7, t.size());
    }

    @Test
    void aRealCountryDatabaseAnswersAsTheReaderAtRandomAddressesAndTheirNetworksEdges() throws Exception {
        Path file = CountryDatabase.required();
        MmdbDatabase db = MmdbDatabase.open(file);
        Reader reader = new Reader(file.toFile(), new CHMCache());
        CountryTable t = CountryTable.read(CountryTable.Tree.map(file, reader.getMetadata()), db::readerCountry);
        assertTrue(t.size() > 1000, "ranges: " + t.size());
        Random random = new Random(16);
        int found = 0;
        for (int i = 0; i < 20_000; i++) {
            int a = random.nextInt();
            String expected = db.readerCountry(address(a));
            assertEquals(expected, t.country(a), address(a).getHostAddress());
            found += expected == null ? 0 : 1;
            // The first and last address of the tree's leaf holding it.
            DatabaseRecord<Map> leaf = reader.getRecord(address(a), Map.class);
            int prefix = leaf.getNetwork().getPrefixLength();
            int first = prefix == 0 ? 0 : a & (-1 << (32 - prefix));
            int last = prefix == 0 ? -1 : first | ~(-1 << (32 - prefix));
            assertEquals(expected, t.country(first), address(first).getHostAddress() + "/" + prefix);
            assertEquals(expected, t.country(last), address(last).getHostAddress() + "/" + prefix);
            assertEquals(db.readerCountry(address(last + 1)), t.country(last + 1), address(last + 1).getHostAddress());
        }
        assertTrue(found > 10_000, "addresses with a country: " + found);
    }

    @Test
    void openingForCountriesReadsTheTableBesideTheReaderAndAnswersTheSame() throws Exception {
        MmdbDatabase db = MmdbDatabase.openCountries(CountryDatabase.required());
        InetAddress china = InetAddress.getByName("1.0.1.1");
        String before = db.country(china); // the reader's answer while the table may still be read
        assertTrue(db.awaitTable(30_000), "table read within 30 s");
        assertEquals("CN", before);
        assertEquals("CN", db.country(china));
        assertEquals("US", db.country(InetAddress.getByName("8.8.8.8")));
        assertTrue(InetAddress.getByName("::ffff:1.0.1.1") instanceof Inet4Address);
        assertEquals("CN", db.country(InetAddress.getByName("::ffff:1.0.1.1")));
        assertEquals(db.readerCountry(InetAddress.getByName("2001:da8::1")), db.country(InetAddress.getByName("2001:da8::1")));
    }
}
