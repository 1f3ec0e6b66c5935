package dev.turnout.rules;

import java.util.List;

/**
 * The geo databases GEOIP, GEOSITE and IP-ASN rules read, supplied by the host. Each method is called only when
 * a rule needs that database, at most once per compile, so a config without such rules never opens (or downloads)
 * anything. {@code GEOIP,LAN} needs none of them.
 */
public interface GeoData {

    /**
     * The country database GEOIP rules look addresses up in (one lookup per decision), or null when countries come
     * as ranges from {@link #countryRanges} instead (mihomo's {@code geodata-mode: true}).
     */
    CountryLookup countries() throws GeoDataException;

    /** A country's CIDRs ({@code 1.0.1.0/24}), in geodata mode; null when the database has no such country. */
    List<String> countryRanges(String country) throws GeoDataException;

    /** The autonomous system database IP-ASN rules look addresses up in. */
    AsnLookup asns() throws GeoDataException;

    /** The entries of a geosite.dat list (its name in lower case), or null when the file has no such list. */
    List<GeoSiteDomain> site(String list) throws GeoDataException;

    /**
     * Whether {@link #site} reads a real GeoSite.dat; false when it is missing for now (a check before the run that
     * downloads it, which said so), so an empty list is no news about the list.
     */
    default boolean sitesPresent() {
        return true;
    }

    /** No databases at all: every rule that needs one is refused with this message. */
    GeoData NONE = new GeoData() {
        @Override
        public CountryLookup countries() throws GeoDataException {
            throw new GeoDataException("no country database (Country.mmdb) is available");
        }

        @Override
        public List<String> countryRanges(String country) throws GeoDataException {
            throw new GeoDataException("no GeoIP.dat is available");
        }

        @Override
        public AsnLookup asns() throws GeoDataException {
            throw new GeoDataException("no ASN database (GeoLite2-ASN.mmdb) is available");
        }

        @Override
        public List<GeoSiteDomain> site(String list) throws GeoDataException {
            throw new GeoDataException("no GeoSite.dat is available");
        }
    };
}
