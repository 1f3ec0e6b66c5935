package dev.turnout.host.geo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.geo.GeoFiles.Domain;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Network;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleException;
import dev.turnout.rules.RuleSet;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GEOSITE on a generated GeoSite.dat and geodata-mode GEOIP on a generated GeoIP.dat, in v2ray's wire format. */
class GeoDatFilesTest {

    @TempDir
    Path home;

    private final List<String> notes = new ArrayList<>();

    @BeforeEach
    void writeFiles() throws Exception {
        Map<String, List<Domain>> lists = new LinkedHashMap<>();
        lists.put("GOOGLE", List.of(new Domain(3, "www.google.cn", "cn"), new Domain(2, "google.com"),
                new Domain(2, "google.cn", "cn", "ads"), new Domain(0, "gstatic"),
                new Domain(1, "^ad[0-9]+\\.doubleclick\\.net$", "ads")));
        lists.put("cn", List.of(new Domain(2, "cn"), new Domain(2, "baidu.com")));
        Files.write(home.resolve("GeoSite.dat"), GeoFiles.geosite(lists));
        Files.write(home.resolve("GeoIP.dat"), GeoFiles.geoip(Map.of(
                "CN", List.of("1.0.1.0/24", "2001:db8:1::/48"),
                "PRIVATE", List.of("10.0.0.0/8"))));
    }

    private static String decide(RuleSet s, String host) throws Exception {
        boolean literal = Character.isDigit(host.charAt(0)) || host.contains(":");
        Query q = new Query(Network.TCP, literal ? null : host, literal ? InetAddress.getByName(host) : null, 443,
                null, 0, null);
        var d = s.decide(q, NameResolver.NONE);
        return d.target() + " " + d.rule();
    }

    private HomeGeoData geo(boolean geodataMode) {
        return new HomeGeoData(GeoFiles.options(geodataMode, "http://127.0.0.1:1"), home, false, notes::add, notes::add);
    }

    @Test
    void geositeListsMatchFullDomainPlainAndRegexEntries() throws Exception {
        RuleSet s = GeoFiles.compile(geo(false), "GEOSITE,google,PROXY", "GEOSITE,CN,DIRECT", "MATCH,REJECT");
        assertEquals("PROXY GEOSITE,google", decide(s, "www.google.cn"));
        assertEquals("PROXY GEOSITE,google", decide(s, "mail.google.com"));
        assertEquals("PROXY GEOSITE,google", decide(s, "fonts.gstatic.com"));
        assertEquals("PROXY GEOSITE,google", decide(s, "ad42.doubleclick.net"));
        assertEquals("DIRECT GEOSITE,CN", decide(s, "x.google.cn.cn"));
        assertEquals("DIRECT GEOSITE,CN", decide(s, "www.baidu.com"));
        assertEquals("REJECT MATCH", decide(s, "ad.doubleclick.net"));
        assertEquals("REJECT MATCH", decide(s, "example.org"));
        assertEquals(List.of(), notes);
    }

    @Test
    void anAttributeKeepsOnlyTheEntriesThatCarryIt() throws Exception {
        RuleSet s = GeoFiles.compile(geo(false), "GEOSITE,google@cn,DIRECT", "GEOSITE,google@ads,REJECT");
        assertEquals("DIRECT GEOSITE,google@cn", decide(s, "www.google.cn"));
        assertEquals("DIRECT GEOSITE,google@cn", decide(s, "a.google.cn"));
        assertEquals("REJECT GEOSITE,google@ads", decide(s, "ad7.doubleclick.net"));
        assertEquals("DIRECT MATCH", decide(s, "mail.google.com"));
    }

    @Test
    void aListTheFileLacksIsAnErrorNamingIt() {
        RuleException e = assertThrows(RuleException.class, () -> GeoFiles.compile(geo(false), "GEOSITE,netflix,PROXY"));
        assertEquals("config.yaml:20:5: GEOSITE,netflix: GeoSite.dat has no list 'netflix'", e.getMessage());
    }

    @Test
    void geodataModeReadsCountriesFromGeoIpDat() throws Exception {
        RuleSet s = GeoFiles.compile(geo(true), "GEOIP,private,DIRECT", "GEOIP,CN,PROXY");
        assertEquals("PROXY GEOIP,CN", decide(s, "1.0.1.1"));
        assertEquals("PROXY GEOIP,CN", decide(s, "2001:db8:1::9"));
        assertEquals("DIRECT GEOIP,private", decide(s, "10.2.3.4"));
        assertEquals("DIRECT MATCH", decide(s, "8.8.8.8"));
        RuleException e = assertThrows(RuleException.class, () -> GeoFiles.compile(geo(true), "GEOIP,US,PROXY"));
        assertEquals("config.yaml:20:5: GEOIP,US: the country database has no 'US'", e.getMessage());
    }

    @Test
    void aDatFileThatIsNotProtobufIsNamed() throws Exception {
        Files.write(home.resolve("GeoSite.dat"), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        RuleException e = assertThrows(RuleException.class, () -> GeoFiles.compile(geo(false), "GEOSITE,cn,PROXY"));
        assertTrue(e.getMessage().startsWith("config.yaml:20:5: GEOSITE,cn: " + home.resolve("GeoSite.dat")
                + " is not a v2ray geo data file"), e.getMessage());
    }
}
