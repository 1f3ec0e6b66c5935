package dev.turnout.rules;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Small deterministic geo databases for tests: countries by an address's last byte (or, in geodata mode, as
 * ranges), AS numbers likewise, and two geosite lists with every entry type and attributes. Counts lookups.
 */
final class FakeGeo implements GeoData {

    static final Map<String, List<String>> RANGES = Map.of(
            "CN", List.of("10.1.0.0/16", "2001:db8:1::/48", "1.0.1.0/24"),
            "US", List.of("192.0.2.0/24", "2001:db8::/48", "8.8.8.0/24"),
            "JP", List.of("203.0.113.0/24"));

    static final Map<String, List<GeoSiteDomain>> SITES = Map.of(
            "a", List.of(
                    new GeoSiteDomain(GeoSiteDomain.Type.FULL, "a.com", Set.of()),
                    new GeoSiteDomain(GeoSiteDomain.Type.ROOT_DOMAIN, "ex.cn", Set.of("cn")),
                    new GeoSiteDomain(GeoSiteDomain.Type.PLAIN, "goo", Set.of("ads")),
                    new GeoSiteDomain(GeoSiteDomain.Type.REGEX, "^ab\\.", Set.of("cn")),
                    new GeoSiteDomain(GeoSiteDomain.Type.REGEX, "x-y$", Set.of())),
            "b", List.of(
                    new GeoSiteDomain(GeoSiteDomain.Type.ROOT_DOMAIN, "net", Set.of()),
                    new GeoSiteDomain(GeoSiteDomain.Type.FULL, "b.b", Set.of("cn", "ads"))));

    private final boolean geodataMode;
    int countryLookups;
    int asnLookups;

    FakeGeo(boolean geodataMode) {
        this.geodataMode = geodataMode;
    }

    static String countryOf(InetAddress ip) {
        for (var e : RANGES.entrySet()) {
            for (String c : e.getValue()) {
                if (LinearReference.contains(Addresses.parseCidr(c), ip)) {
                    return e.getKey();
                }
            }
        }
        return null;
    }

    static long asnOf(InetAddress ip) {
        byte[] b = ip.getAddress();
        return (b[b.length - 1] & 0xff) % 4; // 0: none
    }

    @Override
    public CountryLookup countries() {
        if (geodataMode) {
            return null;
        }
        return ip -> {
            countryLookups++;
            return countryOf(ip);
        };
    }

    @Override
    public List<String> countryRanges(String country) {
        return RANGES.get(country);
    }

    @Override
    public AsnLookup asns() {
        return ip -> {
            asnLookups++;
            return asnOf(ip);
        };
    }

    @Override
    public List<GeoSiteDomain> site(String list) {
        return SITES.get(list);
    }
}
