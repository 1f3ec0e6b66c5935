package dev.turnout.rules;

import java.net.InetAddress;

/** A country database as GEOIP rules see it (MaxMind's GeoIP2-Country: {@code country.iso_code}). */
@FunctionalInterface
public interface CountryLookup {

    /** The ISO 3166 code of the address's country in upper case, or null when the database has none for it. */
    String country(InetAddress address);
}
