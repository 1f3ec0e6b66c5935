package dev.turnout.host.geo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.CountryDatabase;
import dev.turnout.rules.Decision;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Network;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleException;
import dev.turnout.rules.RuleSet;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GEOIP and IP-ASN on MaxMind databases in the home folder: a real country database and tiny exact ones. */
class CountryAndAsnDatabasesTest {

    @TempDir
    Path home;

    private final List<String> notes = new ArrayList<>();

    private HomeGeoData offline() {
        return new HomeGeoData(GeoFiles.options(false, "http://127.0.0.1:1"), home, false, notes::add, notes::add);
    }

    private static String decide(RuleSet s, String ip) throws Exception {
        Decision d = s.decide(new Query(Network.TCP, null, InetAddress.getByName(ip), 443, null, 0, null),
                NameResolver.NONE);
        return d.target() + " " + d.rule();
    }

    @Test
    void aRealCountryDatabaseSaysOneZeroOneOneIsChinaAndEightEightEightEightIsNot() throws Exception {
        Files.createSymbolicLink(home.resolve("Country.mmdb"), CountryDatabase.required());
        RuleSet s = GeoFiles.compile(offline(), "GEOIP,LAN,DIRECT", "GEOIP,CN,PROXY", "MATCH,REJECT");
        assertEquals("PROXY GEOIP,CN", decide(s, "1.0.1.1"));
        assertEquals("REJECT MATCH", decide(s, "8.8.8.8"));
        assertEquals("DIRECT GEOIP,LAN", decide(s, "192.168.1.1"));
        assertEquals("PROXY GEOIP,CN", decide(s, "::ffff:1.0.1.1"));
        assertEquals("GB", MmdbDatabase.open(home.resolve("Country.mmdb")).country(InetAddress.getByName("81.2.69.160")));
        assertEquals("US", MmdbDatabase.open(home.resolve("Country.mmdb")).country(InetAddress.getByName("8.8.8.8")));
        assertEquals(List.of(), notes);
    }

    @Test
    void aReloadKeepsTheOpenDatabaseUntilANewFileIsRenamedOverIt() throws Exception {
        Path file = home.resolve("Country.mmdb");
        GeoFiles.mmdb(file, "GeoIP2-Country", Map.of("198.51.100.0/24", "{ country => { iso_code => 'JP' } }"));
        var first = offline().countries();
        assertTrue(first == offline().countries(), "the same database for an unchanged file");
        Path fresh = GeoFiles.mmdb(home.resolve("fresh.mmdb"), "GeoIP2-Country",
                Map.of("198.51.100.0/24", "{ country => { iso_code => 'KR' } }"));
        Files.move(fresh, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        var second = offline().countries();
        assertTrue(first != second, "opened afresh");
        assertEquals("KR", second.country(InetAddress.getByName("198.51.100.7")));
        assertEquals("JP", first.country(InetAddress.getByName("198.51.100.7")), "flows of the old routing still ask the old one");
    }

    @Test
    void countriesComeFromCountryIsoCodeAndAnAddressWithoutOneMatchesNoCountry() throws Exception {
        GeoFiles.mmdb(home.resolve("Country.mmdb"), "GeoIP2-Country", Map.of(
                "198.51.100.0/24", "{ country => { iso_code => 'JP' }, registered_country => { iso_code => 'JP' } }",
                "2001:db8::/32", "{ country => { iso_code => 'DE' } }",
                "203.0.113.0/24", "{ registered_country => { iso_code => 'FR' } }"));
        RuleSet s = GeoFiles.compile(offline(), "GEOIP,jp,PROXY", "GEOIP,DE,DIRECT", "GEOIP,FR,REJECT");
        assertEquals("PROXY GEOIP,jp", decide(s, "198.51.100.77"));
        assertEquals("PROXY GEOIP,jp", decide(s, "::ffff:198.51.100.77"));
        assertEquals("DIRECT GEOIP,DE", decide(s, "2001:db8:1::1"));
        assertEquals("DIRECT MATCH", decide(s, "203.0.113.5"), "registered_country is not the country");
        assertEquals("DIRECT MATCH", decide(s, "192.0.2.1"));
    }

    @Test
    void ipAsnReadsAutonomousSystemNumber() throws Exception {
        GeoFiles.mmdb(home.resolve("GeoLite2-ASN.mmdb"), "GeoLite2-ASN", Map.of(
                "198.51.100.0/24", "{ autonomous_system_number => 64500, autonomous_system_organization => 'Example' }",
                "2001:db8::/32", "{ autonomous_system_number => 64501 }"));
        RuleSet s = GeoFiles.compile(offline(), "IP-ASN,64501,DIRECT", "IP-ASN,64500,PROXY");
        assertEquals("PROXY IP-ASN,64500", decide(s, "198.51.100.1"));
        assertEquals("DIRECT IP-ASN,64501", decide(s, "2001:db8::5"));
        assertEquals("DIRECT MATCH", decide(s, "192.0.2.1"));
    }

    /** A flow from {@code source} to 192.0.2.1, which no database here places. */
    private static String decideFrom(RuleSet s, String source) throws Exception {
        Decision d = s.decide(new Query(Network.TCP, null, InetAddress.getByName("192.0.2.1"), 443,
                InetAddress.getByName(source), 50000, null), NameResolver.NONE);
        return d.target() + " " + d.rule();
    }

    @Test
    void srcGeoIpAndSrcIpAsnAskTheSameDatabasesAboutTheSource() throws Exception {
        GeoFiles.mmdb(home.resolve("Country.mmdb"), "GeoIP2-Country", Map.of(
                "198.51.100.0/24", "{ country => { iso_code => 'JP' } }",
                "2001:db8::/32", "{ country => { iso_code => 'DE' } }"));
        GeoFiles.mmdb(home.resolve("GeoLite2-ASN.mmdb"), "GeoLite2-ASN", Map.of(
                "203.0.113.0/24", "{ autonomous_system_number => 64500 }"));
        RuleSet s = GeoFiles.compile(offline(), "SRC-GEOIP,jp,PROXY", "SRC-IP-ASN,64500,DIRECT", "SRC-GEOIP,LAN,REJECT",
                "GEOIP,DE,DIRECT");
        assertEquals("PROXY SRC-GEOIP,jp", decideFrom(s, "198.51.100.9"));
        assertEquals("PROXY SRC-GEOIP,jp", decideFrom(s, "::ffff:198.51.100.9"));
        assertEquals("DIRECT SRC-IP-ASN,64500", decideFrom(s, "203.0.113.4"));
        assertEquals("REJECT SRC-GEOIP,LAN", decideFrom(s, "10.0.0.3"));
        assertEquals("DIRECT MATCH", decideFrom(s, "2001:db8::7"), "a source in DE is not a destination in DE");
        assertEquals(List.of(), notes);
    }

    @Test
    void aFileThatIsNotAMaxMindDatabaseIsNamed() throws Exception {
        Files.writeString(home.resolve("Country.mmdb"), "<html>not found</html>");
        RuleException e = assertThrows(RuleException.class, () -> GeoFiles.compile(offline(), "GEOIP,CN,PROXY"));
        assertTrue(e.getMessage().startsWith("config.yaml:20:5: GEOIP,CN: " + home.resolve("Country.mmdb")
                + " is not a MaxMind database"), e.getMessage());
    }

    @Test
    void checkWithoutTheDatabaseNotesWhatRunWouldDownloadInsteadOfFailing() throws Exception {
        RuleSet s = GeoFiles.compile(offline(), "GEOIP,CN,PROXY", "IP-ASN,13335,PROXY");
        assertEquals("DIRECT MATCH", decide(s, "1.0.1.1"));
        assertEquals(List.of(
                "config.yaml:3:3: Country.mmdb is not in " + home + "; run will download it from"
                        + " http://127.0.0.1:1/Country.mmdb (until then its rules match nothing here)",
                "config.yaml:3:3: GeoLite2-ASN.mmdb is not in " + home + "; run will download it from"
                        + " http://127.0.0.1:1/GeoLite2-ASN.mmdb (until then its rules match nothing here)"), notes);
        assertTrue(!Files.exists(home.resolve("Country.mmdb")));
    }

    @Test
    void checkWithoutGeoSiteSaysOnceThatRunDownloadsItNotThatEachListIsEmpty() throws Exception {
        RuleSet s = GeoFiles.compile(offline(), "GEOSITE,cn,DIRECT", "GEOSITE,google,PROXY");
        assertEquals(List.of("config.yaml:3:3: GeoSite.dat is not in " + home + "; run will download it from"
                + " http://127.0.0.1:1/geosite.dat (until then its rules match nothing here)"), notes);
        assertTrue(s.warnings().stream().noneMatch(w -> w.contains("matches nothing")), s.warnings().toString());
    }

    @Test
    void lanNeedsNoDatabaseAtAll() throws Exception {
        RuleSet s = GeoFiles.compile(offline(), "GEOIP,LAN,DIRECT", "MATCH,PROXY");
        assertEquals("DIRECT GEOIP,LAN", decide(s, "192.168.1.1"));
        assertEquals("PROXY MATCH", decide(s, "8.8.8.8"));
        assertEquals(List.of(), notes);
    }
}
